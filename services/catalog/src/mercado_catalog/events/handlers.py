"""Events the catalog consumes: inventory's stock changes update product availability."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mercado_catalog.store.products import set_availability
from mercado_toolkit.events.consumer import Subscription
from mercado_toolkit.events.envelope import Envelope, nats_subject


async def on_stock_changed(session: AsyncSession, event: Envelope) -> None:
    data = event.data
    await set_availability(session, str(data["sku"]), int(data["available"]), int(data["version"]))


SUBSCRIPTIONS = [
    Subscription(
        durable="catalog-stock",
        subjects=[nats_subject("inventory", "stock_changed")],
        handler=on_stock_changed,
    )
]
