"""Real processes for integration tests: NATS and Mercado services on loopback."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from mercado_cli.services import dev_secrets, nats_binary

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1, what: str = "condition"):
    """Polls ``predicate`` until it returns a truthy value (no timing assertions: a
    generous deadline only to end a test that would otherwise hang)."""
    deadline = time.monotonic() + timeout
    last_exc: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:
            last_exc = exc
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for {what}" + (f": {last_exc}" if last_exc else ""))


def accepting(port: int) -> bool:
    """True when something accepts TCP connections on 127.0.0.1:``port``."""
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def seed_demo(catalog_url: str, inventory_url: str, admin_token: str) -> None:
    """Seeds the demo catalog and stock with ``mercado seed``, as a user would."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "mercado_cli.main",
            "seed",
            "--catalog-url",
            catalog_url,
            "--inventory-url",
            inventory_url,
            "--admin-token",
            admin_token,
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )


class NatsServer:
    """nats-server with JetStream; can be stopped and restarted on the same port and store."""

    def __init__(self, store: Path, port: int | None = None, jetstream: bool = True) -> None:
        self.store = store
        self.port = port or free_port()
        self.jetstream = jetstream
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                nats_binary(),
                *(["-js", "-sd", str(self.store)] if self.jetstream else []),
                *("-a", "127.0.0.1", "-p", str(self.port)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: accepting(self.port), 15, what="nats-server")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None


class ServiceProcess:
    """One Mercado service run as ``python -m mercado_<name>`` with env overrides."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path, port: int | None = None):
        self.name = name
        self.port = port or free_port()
        self.env = env
        self.log_path = log_dir / f"{name}-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> ServiceProcess:
        prefix = f"MERCADO_{self.name.upper()}_"
        env = {
            **os.environ,
            # Local mode's development tokens unless the test gives its own.
            **dev_secrets(self.name),
            prefix + "PORT": str(self.port),
            prefix + "HOST": "127.0.0.1",
            prefix + "LOG_JSON": "true",
            **{
                k if k.startswith("MERCADO_") or k.startswith("OTEL_") else prefix + k: v
                for k, v in self.env.items()
            },
        }
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"mercado_{self.name}"],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        log.close()
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        def ready() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.log_path.read_text()[-3000:]}")
            try:
                return httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        try:
            wait_for(ready, timeout, 0.1, f"{self.name} ready")
        except RuntimeError as exc:
            raise AssertionError(str(exc)) from None

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.proc = None

    def kill(self) -> None:
        """SIGKILL, as a node dying would."""
        if self.proc and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self.proc = None
