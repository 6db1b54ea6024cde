"""The browsing half of the shop as real processes: NATS, catalog and inventory on SQLite,
seeded with the demo catalog, and the gateway in front (orders wherever the test says)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import NatsServer, ServiceProcess, seed_demo


@dataclass
class BrowseStack:
    catalog: ServiceProcess
    inventory: ServiceProcess
    gateway: ServiceProcess

    @property
    def url(self) -> str:
        return self.gateway.url


@contextmanager
def browse_stack(
    root: Path,
    admin_token: str,
    orders_url: str,
    common: dict[str, str] | None = None,
    gateway: dict[str, str] | None = None,
) -> Iterator[BrowseStack]:
    """Starts the stack under ``root``; ``common`` goes to every service, ``gateway`` to the
    gateway only. Stops everything on exit, whatever happened."""
    nats = NatsServer(root / "nats")
    nats.start()
    shared = {"NATS_URL": nats.url, "ADMIN_TOKEN": admin_token, **(common or {})}
    catalog = ServiceProcess(
        "catalog", {**shared, "DATABASE_URL": f"sqlite+aiosqlite:///{root / 'catalog.db'}"}, root
    )
    inventory = ServiceProcess(
        "inventory", {**shared, "DATABASE_URL": f"sqlite+aiosqlite:///{root / 'inv.db'}"}, root
    )
    front = ServiceProcess(
        "gateway",
        {**shared, "CATALOG__URL": catalog.url, "ORDERS__URL": orders_url, **(gateway or {})},
        root,
    )
    started = [catalog.start(wait=False), inventory.start(wait=False), front.start(wait=False)]
    try:
        for svc in started:
            svc.wait_ready(120)
        seed_demo(catalog.url, inventory.url, admin_token)
        yield BrowseStack(catalog, inventory, front)
    finally:
        for svc in reversed(started):
            svc.stop()
        nats.stop()
