"""Calls orders makes to catalog, inventory and payment (every one idempotent per order).

Each dependency has one toolkit ServiceClient: timeouts, retries with back-off, a circuit
breaker and trace context. Replies with a 4xx status are returned; a dependency that does
not answer raises ``DependencyUnavailable``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from pydantic import BaseModel

from mercado_contracts.cards import CardIn
from mercado_contracts.money import Money
from mercado_orders.domain.orders import ReservationLine
from mercado_orders.domain.record import PaymentSeen
from mercado_orders.settings import OrdersSettings
from mercado_toolkit.http_client import Reply, ServiceClient


class CatalogProduct(BaseModel):
    """What orders reads of a catalog product to price a line."""

    sku: str
    name: str
    price: Money


@dataclass(frozen=True)
class Dependencies:
    catalog: ServiceClient
    inventory: ServiceClient
    payment: ServiceClient

    @classmethod
    def build(cls, settings: OrdersSettings, session: aiohttp.ClientSession) -> Dependencies:
        return cls(
            catalog=ServiceClient.to("orders", "catalog", settings.catalog, session),
            inventory=ServiceClient.to("orders", "inventory", settings.inventory, session),
            payment=ServiceClient.to("orders", "payment", settings.payment, session),
        )

    # --- catalog -------------------------------------------------------------------------
    async def product(self, product_id: str) -> CatalogProduct | None:
        """The product, None when catalog has none; ValueError when its answer is not one."""
        body = await _one(self.catalog, f"/products/{product_id}", f"product {product_id}")
        return None if body is None else CatalogProduct.model_validate(body)

    # --- inventory -----------------------------------------------------------------------
    async def reserve(self, order_id: str, lines: list[ReservationLine], ttl: int) -> Reply:
        body = {"order_id": order_id, "lines": lines, "ttl_seconds": ttl}
        return await self.inventory.request("POST", "/reservations", json=body, idempotent=True)

    async def commit(self, order_id: str) -> Reply:
        return await self.inventory.request(
            "POST", f"/reservations/{order_id}/commit", idempotent=True
        )

    async def release(self, order_id: str) -> Reply:
        return await self.inventory.request(
            "POST", f"/reservations/{order_id}/release", idempotent=True
        )

    # --- payment -------------------------------------------------------------------------
    async def tokenize(self, card: CardIn) -> Reply:
        """The bank's token for a card (a retry only makes another, unused token)."""
        return await self.payment.request(
            "POST", "/card-tokens", json=card.model_dump(), idempotent=True
        )

    async def charge(self, order_id: str, amount: int, currency: str, card_token: str) -> Reply:
        """Charges once per order id: payment answers a repeat with the existing payment."""
        body = {
            "order_id": order_id,
            "amount": {"amount": amount, "currency": currency},
            "card_token": card_token,
        }
        return await self.payment.request("POST", "/payments", json=body, idempotent=True)

    async def payment_of(self, order_id: str) -> PaymentSeen | None:
        """The payment made for an order, or None when payment has none."""
        reply = await self.payment.request("GET", "/payments", params={"order_id": order_id})
        if not reply.ok or not isinstance(reply.body, dict):
            raise ValueError(f"payment answered {reply.status} listing payments of {order_id}")
        items = reply.body.get("items") or []
        return PaymentSeen.from_body(items[0]) if items else None

    async def payment_by_id(self, payment_id: str) -> PaymentSeen | None:
        body = await _one(self.payment, f"/payments/{payment_id}", f"payment {payment_id}")
        return None if body is None else PaymentSeen.from_body(body)

    async def refund(self, payment_id: str) -> Reply:
        return await self.payment.request("POST", f"/payments/{payment_id}/refund", idempotent=True)


async def _one(client: ServiceClient, path: str, what: str) -> Mapping[str, object] | None:
    """GETs one resource: its body, None on 404, ValueError on any other answer."""
    reply = await client.request("GET", path)
    if reply.status == 404:
        return None
    if not reply.ok or not isinstance(reply.body, dict):
        raise ValueError(f"{client.dependency} answered {reply.status} for {what}")
    return reply.body
