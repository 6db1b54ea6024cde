"""The orders application factory."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from fastapi import FastAPI

from mercado_orders.api import orders
from mercado_orders.clients.services import Dependencies
from mercado_orders.operations.context import SagaContext
from mercado_orders.operations.saga import Saga
from mercado_orders.settings import OrdersSettings
from mercado_orders.store.tables import metadata
from mercado_toolkit.app import ServiceSpec, create_service_app
from mercado_toolkit.runtime import Runtime

log = logging.getLogger("mercado.orders")

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: OrdersSettings | None = None) -> FastAPI:
    settings = settings or OrdersSettings()

    async def start_saga(rt: Runtime) -> None:
        ctx = SagaContext(rt, settings, Dependencies.build(settings, rt.http))
        rt.provide(ctx)
        rt.provide(Saga(ctx))

    async def recovery_loop(rt: Runtime) -> None:
        """Finishes or compensates every order left unfinished (restart, waits)."""
        saga = rt.part(Saga)
        try:
            while True:
                try:
                    await saga.recover_due()
                except Exception:
                    log.exception("recovery scan failed; retrying")
                await asyncio.sleep(settings.recovery_interval_seconds)
        except asyncio.CancelledError:
            await saga.close()
            raise

    return create_service_app(
        ServiceSpec(
            name="orders",
            title="Mercado orders",
            settings=settings,
            metadata=metadata,
            migrations=MIGRATIONS,
            routers=[orders.router],
            on_start=[start_saga],
            loops=[recovery_loop],
        )
    )
