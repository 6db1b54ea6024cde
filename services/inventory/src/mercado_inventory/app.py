"""The inventory application factory."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI

from mercado_inventory.api import reservations, stock
from mercado_inventory.events.handlers import subscriptions
from mercado_inventory.operations.reservations import expire_due
from mercado_inventory.settings import InventorySettings
from mercado_inventory.store.tables import metadata
from mercado_toolkit.app import ServiceSpec, create_service_app
from mercado_toolkit.runtime import Runtime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: InventorySettings | None = None) -> FastAPI:
    settings = settings or InventorySettings()

    async def expiry_loop(rt: Runtime) -> None:
        while True:
            await expire_due(rt)
            await asyncio.sleep(settings.expiry_interval_seconds)

    return create_service_app(
        ServiceSpec(
            name="inventory",
            title="Mercado inventory",
            settings=settings,
            metadata=metadata,
            migrations=MIGRATIONS,
            routers=[stock.router, reservations.router],
            subscriptions=subscriptions(settings.low_stock_threshold),
            loops=[expiry_loop],
        )
    )
