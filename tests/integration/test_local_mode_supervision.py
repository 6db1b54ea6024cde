"""``mercado up`` keeps the shop running when one process dies: it names the process, its
signal or exit code and its own last lines, restarts it with a back-off while the others keep
serving, restarts one on request (``mercado restart``), and gives up with a clear message
only when a process keeps failing at start."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mercado_cli.services import SERVICES
from tests.support.processes import free_port, wait_for

MERCADO = [sys.executable, "-m", "mercado_cli.main"]


def _listen(port: int) -> socket.socket | None:
    sock = socket.socket()
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        return None
    sock.listen()
    return sock


def _pid(data: Path, name: str) -> int:
    return int(json.loads((data / "run" / f"{name}.json").read_text())["pid"])


# Several restarts of real processes: minutes on a busy 2-core machine.
@pytest.mark.timeout(900)
def test_a_dead_process_is_restarted_and_the_rest_keeps_serving(tmp_path: Path) -> None:
    ports = {p.name: free_port() for p in SERVICES}
    data = tmp_path / "data"
    log_path = tmp_path / "up.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [*MERCADO, "up", "--no-seed", "--data-dir", str(data)]
        + [f"--port={name}={port}" for name, port in ports.items()],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "COLUMNS": "200"},
    )

    def output() -> str:
        return log_path.read_text(errors="replace")

    def healthy(name: str) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{ports[name]}/readyz", timeout=2).is_success
        except httpx.HTTPError:
            return False

    try:
        wait_for(lambda: "Mercado is up" in output() or proc.poll() is not None, 240, 0.2, "up")
        assert proc.poll() is None, output()[-4000:]
        others = {name: _pid(data, name) for name in ("orders", "gateway", "nats")}

        # 1. A crash: catalog is SIGKILLed; only catalog is restarted.
        os.kill(_pid(data, "catalog"), signal.SIGKILL)
        wait_for(lambda: "restarted catalog" in output(), 240, 0.2, "catalog restarted")
        text = output()
        assert "catalog was killed by signal SIGKILL" in text
        assert "the rest of the shop keeps running" in text
        assert healthy("catalog")
        assert {name: _pid(data, name) for name in others} == others
        assert all(healthy(name) for name in ("orders", "gateway"))

        # 2. On request: `mercado restart inventory` returns once it is ready again.
        before = _pid(data, "inventory")
        done = subprocess.run(
            [*MERCADO, "restart", "inventory", "--data-dir", str(data), "--timeout", "240"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "restarted inventory" in done.stdout
        assert _pid(data, "inventory") != before and healthy("inventory")
        assert "restarting inventory as asked" in output()
        unknown = subprocess.run(
            [*MERCADO, "restart", "nothing", "--data-dir", str(data)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert unknown.returncode == 2 and "expected one of" in unknown.stdout + unknown.stderr

        # 3. A process that cannot start any more (something else took its port): after
        # a few attempts with back-off, `mercado up` gives up, says why, stops everything.
        os.kill(_pid(data, "catalog"), signal.SIGKILL)
        squatter = wait_for(lambda: _listen(ports["catalog"]), 30, 0.01, "catalog's port")
        code = proc.wait(600)
        squatter.close()
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(60)
        log.close()
    text = output()
    assert code == 1, text[-4000:]
    assert "catalog keeps failing at start (5 times in a row" in text
    assert "address already in use" in text.lower()
    assert "all stopped." in text
    assert not (data / "run" / "mercado.json").exists()
