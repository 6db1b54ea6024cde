"""The catalog application factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from nats.aio.msg import Msg

from mercado_catalog.api import categories, products
from mercado_catalog.api.cached import page_cache
from mercado_catalog.api.fast_path import CachedPagesMiddleware
from mercado_catalog.events.handlers import SUBSCRIPTIONS
from mercado_catalog.settings import CatalogSettings
from mercado_catalog.store.tables import metadata
from mercado_toolkit.app import ServiceSpec, create_service_app
from mercado_toolkit.events.envelope import nats_subject
from mercado_toolkit.runtime import Runtime

MIGRATIONS = Path(__file__).parent / "migrations"

# Events after which cached pages may be out of date, whichever replica applied them.
CHANGES = (nats_subject("catalog", "product.>"), nats_subject("inventory", "stock_changed"))


async def watch_changes(rt: Runtime) -> None:
    """Clears this replica's page cache on every product or stock change (plain NATS
    subscriptions: every replica gets every message; resubscribed after a reconnect)."""
    cache = page_cache(rt)
    await rt.bus.ready.wait()
    assert rt.bus.nc is not None

    async def changed(_: Msg) -> None:
        cache.invalidate()

    for subject in CHANGES:
        await rt.bus.nc.subscribe(subject, cb=changed)


def create_app(settings: CatalogSettings | None = None) -> FastAPI:
    return create_service_app(
        ServiceSpec(
            name="catalog",
            title="Mercado catalog",
            settings=settings or CatalogSettings(),
            metadata=metadata,
            migrations=MIGRATIONS,
            routers=[products.router, categories.router],
            subscriptions=SUBSCRIPTIONS,
            loops=[watch_changes],
            front=[CachedPagesMiddleware],
        )
    )
