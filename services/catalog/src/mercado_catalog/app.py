"""The catalog application factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from mercado_catalog.api import categories, products
from mercado_catalog.events.handlers import SUBSCRIPTIONS
from mercado_catalog.settings import CatalogSettings
from mercado_catalog.store.tables import metadata
from mercado_toolkit.app import ServiceSpec, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


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
        )
    )
