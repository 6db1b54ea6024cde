"""Events inventory consumes: a new product gets a stock row (at zero until adjusted)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mercado_contracts.events import ProductCreated
from mercado_inventory.store import stock
from mercado_toolkit.events.consumer import Subscription
from mercado_toolkit.events.envelope import Envelope


def subscriptions(threshold: int) -> list[Subscription[ProductCreated]]:
    async def on_product_created(
        session: AsyncSession, _: Envelope, product: ProductCreated
    ) -> None:
        await stock.ensure(session, product.sku, threshold)

    return [
        Subscription(
            durable="inventory-products", events=[ProductCreated], handler=on_product_created
        )
    ]
