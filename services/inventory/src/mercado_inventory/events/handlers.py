"""Events inventory consumes: a new product gets a stock row (at zero until adjusted)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from mercado_inventory.store import stock
from mercado_toolkit.events.consumer import Subscription
from mercado_toolkit.events.envelope import Envelope, nats_subject


def subscriptions(threshold: int) -> list[Subscription]:
    async def on_product_created(session: AsyncSession, event: Envelope) -> None:
        await stock.ensure(session, str(event.data["sku"]), threshold)

    handler: Callable[[AsyncSession, Envelope], Awaitable[None]] = on_product_created
    return [
        Subscription(
            durable="inventory-products",
            subjects=[nats_subject("catalog", "product.created")],
            handler=handler,
        )
    ]
