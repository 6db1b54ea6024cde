"""The gateway application factory: a stateless service (no database, no NATS)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from mercado_gateway.api import orders, products, storefront
from mercado_gateway.settings import GatewaySettings
from mercado_toolkit.app import ServiceSpec, create_service_app


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    app = create_service_app(
        ServiceSpec(
            name="gateway",
            title="Mercado gateway",
            settings=settings or GatewaySettings(),
            metadata=None,
            migrations=None,
            routers=[products.router, orders.router, storefront.router],
        )
    )
    app.mount("/static", StaticFiles(directory=storefront.STATIC_DIR), name="static")
    return app
