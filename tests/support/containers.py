"""The shop as containers: images built by ``images/build.sh``, run on a Docker network.

Every container runs as it would in a cluster under Pod Security "restricted": a numeric
non-root user, a read-only root filesystem (a tmpfs for /tmp, a volume for /data), no
capabilities, no privilege escalation. A test reaches a container only through a port
published on 127.0.0.1.
"""

from __future__ import annotations

import json
import subprocess
import tomllib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "images" / "build.sh"
USER = "65532:65532"
ADMIN_TOKEN = "admin-container-token"
ORDERS_TOKEN = "orders-container-token"
GATEWAY_TOKEN = "gateway-container-token"
PAYMENT_TOKEN = "payment-container-token"

# Where each image's version comes from (the package it is built from).
PACKAGES = {
    "catalog": "services/catalog",
    "inventory": "services/inventory",
    "orders": "services/orders",
    "payment": "services/payment",
    "notifications": "services/notifications",
    "gateway": "services/gateway",
    "bank": "services/bank",
    "mailcatcher": "packages/mailcatcher",
}
SERVICES = ["catalog", "inventory", "bank", "payment", "orders", "notifications", "gateway"]


def docker(*args: str, check: bool = True, timeout: float = 120) -> str:
    done = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def image_tag(name: str) -> str:
    """``mercado/<name>:<version>``, the version from the package the image is built from."""
    if name == "nats":
        from mercado_cli.services import nats_binary

        out = subprocess.run(
            [nats_binary(), "--version"], capture_output=True, text=True, check=True
        ).stdout
        return f"mercado/nats:{out.strip().rsplit('v', 1)[1]}"
    with (ROOT / PACKAGES[name] / "pyproject.toml").open("rb") as fh:
        version = tomllib.load(fh)["project"]["version"]
    return f"mercado/{name}:{version}"


def build_images(names: list[str]) -> dict[str, str]:
    """Builds (or finds cached) the images with the script behind ``make images``."""
    subprocess.run(["bash", str(BUILD), *names], check=True, timeout=3600)
    return {name: image_tag(name) for name in names}


@dataclass
class ContainerShop:
    images: dict[str, str]
    prefix: str = field(default_factory=lambda: f"mercado-test-{uuid.uuid4().hex[:8]}")
    started: list[str] = field(default_factory=list)

    def _env(self, name: str) -> dict[str, str]:
        urls = {s: f"http://{s}:{port}" for s, port in PORTS.items()}
        common = {
            "NATS_URL": "nats://nats:4222",
            "ADMIN_TOKEN": ADMIN_TOKEN,
            "LOG_JSON": "true",
        }
        own = {
            "catalog": {},
            "inventory": {"ACCEPTED_CALLERS__ORDERS": ORDERS_TOKEN},
            "bank": {"ACCEPTED_CALLERS__PAYMENT": PAYMENT_TOKEN},
            "payment": {
                "ACCEPTED_CALLERS__ORDERS": ORDERS_TOKEN,
                "BANK__URL": urls["bank"],
                "BANK__TOKEN": PAYMENT_TOKEN,
            },
            "orders": {
                "CATALOG__URL": urls["catalog"],
                "INVENTORY__URL": urls["inventory"],
                "INVENTORY__TOKEN": ORDERS_TOKEN,
                "PAYMENT__URL": urls["payment"],
                "PAYMENT__TOKEN": ORDERS_TOKEN,
                "ACCEPTED_CALLERS__GATEWAY": GATEWAY_TOKEN,
            },
            "notifications": {"SMTP_HOST": "mailcatcher", "SMTP_PORT": "1025"},
            "gateway": {
                "CATALOG__URL": urls["catalog"],
                "ORDERS__URL": urls["orders"],
                "ORDERS__TOKEN": GATEWAY_TOKEN,
            },
        }[name]
        prefix = f"MERCADO_{name.upper()}_"
        return {prefix + key: value for key, value in {**common, **own}.items()}

    def run(
        self, name: str, publish: tuple[int, ...] = (), env: dict[str, str] | None = None
    ) -> None:
        container = f"{self.prefix}-{name}"
        args = [
            "run", "--detach", "--name", container,
            "--network", self.prefix, "--network-alias", name,
            "--read-only", "--user", USER, "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges",
            "--tmpfs", "/tmp:rw,size=64m",
            "--volume", f"{container}-data:/data",
            "--memory", "512m",
        ]  # fmt: skip
        for key, value in (env or {}).items():
            args += ["--env", f"{key}={value}"]
        for port in publish:
            args += ["--publish", f"127.0.0.1::{port}"]
        docker(*args, self.images[name])
        self.started.append(container)

    def start(self) -> None:
        docker("network", "create", self.prefix)
        self.run("nats")
        self.run("mailcatcher", publish=(8025,))
        for name in SERVICES:
            publish = (PORTS[name],) if name in PUBLISHED else ()
            self.run(name, publish=publish, env=self._env(name))

    def url(self, name: str, port: int | None = None) -> str:
        """The 127.0.0.1 address Docker published for a container's port."""
        binding = docker("port", f"{self.prefix}-{name}", str(port or PORTS[name]))
        host, _, host_port = binding.splitlines()[0].rpartition(":")
        assert host == "127.0.0.1", binding
        return f"http://127.0.0.1:{host_port}"

    def inspect(self, name: str) -> dict[str, object]:
        data = json.loads(docker("inspect", f"{self.prefix}-{name}"))
        assert isinstance(data, list)
        return dict(data[0])

    def logs(self) -> str:
        parts = []
        for container in self.started:
            out = subprocess.run(
                ["docker", "logs", "--tail", "60", container],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            parts.append(f"--- {container}\n{out.stdout}{out.stderr}")
        return "\n".join(parts)

    def stop(self) -> None:
        for container in reversed(self.started):
            docker("rm", "--force", "--volumes", container, check=False)
            docker("volume", "rm", f"{container}-data", check=False)
        docker("network", "rm", self.prefix, check=False)


# The ports the services listen on (their settings' defaults) and those the test reaches:
# the storefront, and catalog and inventory for the admin seeding.
PORTS = {
    "catalog": 8101,
    "inventory": 8102,
    "orders": 8103,
    "payment": 8104,
    "notifications": 8105,
    "bank": 8109,
    "gateway": 8080,
}
PUBLISHED = {"gateway", "catalog", "inventory"}
