"""The gateway's backends: one ServiceClient (timeouts, retries, breaker) per service."""

from __future__ import annotations

import aiohttp

from mercado_contracts.checkout import OrderCreate
from mercado_gateway.settings import GatewaySettings
from mercado_toolkit.http_client import Reply, ServiceClient

SERVICE = "gateway"


class CatalogClient:
    def __init__(self, settings: GatewaySettings, session: aiohttp.ClientSession) -> None:
        self.client = ServiceClient.to(SERVICE, "catalog", settings.catalog, session)

    async def list_products(self, params: dict[str, str]) -> Reply:
        return await self.client.request("GET", "/products", params=params, decode=False)

    async def get_product(self, product_id: str) -> Reply:
        return await self.client.request("GET", f"/products/{product_id}", decode=False)

    async def list_categories(self, params: dict[str, str]) -> Reply:
        return await self.client.request("GET", "/categories", params=params, decode=False)


class OrdersClient:
    def __init__(self, settings: GatewaySettings, session: aiohttp.ClientSession) -> None:
        self.client = ServiceClient.to(SERVICE, "orders", settings.orders, session)

    async def place_order(self, body: OrderCreate, idempotency_key: str) -> Reply:
        # Safe to retry: orders returns the same order for the same Idempotency-Key.
        return await self.client.request(
            "POST",
            "/orders",
            json=body.model_dump(mode="json"),
            headers={"Idempotency-Key": idempotency_key},
            idempotent=True,
            decode=False,
        )

    async def get_order(self, order_id: str, order_token: str) -> Reply:
        return await self.client.request(
            "GET", f"/orders/{order_id}", headers={"Order-Token": order_token}, decode=False
        )


class Backends:
    def __init__(self, settings: GatewaySettings, session: aiohttp.ClientSession) -> None:
        self.catalog = CatalogClient(settings, session)
        self.orders = OrdersClient(settings, session)
