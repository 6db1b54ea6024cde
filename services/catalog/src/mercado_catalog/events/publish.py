"""Events the catalog publishes about its products."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mercado_toolkit.events.outbox import Outbox


def product_payload(product: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": product["id"],
        "sku": product["sku"],
        "name": product["name"],
        "category": product["category_slug"],
        "price": {"amount": product["price_amount"], "currency": product["currency"]},
    }


async def product_event(
    outbox: Outbox, session: AsyncSession, kind: str, product: dict[str, Any]
) -> None:
    await outbox.add(session, f"product.{kind}", product["id"], product_payload(product))
