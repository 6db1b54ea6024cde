"""Events the catalog consumes: inventory's stock changes update product availability."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mercado_catalog.store.products import set_availability
from mercado_contracts.events import StockChanged
from mercado_toolkit.events.consumer import Subscription
from mercado_toolkit.events.envelope import Envelope


async def on_stock_changed(session: AsyncSession, _: Envelope, stock: StockChanged) -> None:
    await set_availability(session, stock.sku, stock.available, stock.version)


SUBSCRIPTIONS = [
    Subscription(durable="catalog-stock", events=[StockChanged], handler=on_stock_changed)
]
