"""Events inventory publishes: ``stock_changed`` on every change, ``low_stock`` on crossing."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mercado_contracts.events import LowStock, StockChanged
from mercado_inventory.domain.reservations import crossed_below
from mercado_inventory.domain.stock import StockLevel
from mercado_toolkit.events.outbox import Outbox
from mercado_toolkit.metrics import LOW_STOCK

LOW_STOCK.labels("inventory")  # at 0 from the start: the first crossing is an increase


async def stock_changed(
    outbox: Outbox, session: AsyncSession, level: StockLevel, before_available: int
) -> None:
    sku = level.sku
    await outbox.add(
        session,
        sku,
        StockChanged(
            sku=sku,
            available=level.available,
            reserved=level.reserved,
            sold=level.sold,
            version=level.version,
        ),
    )
    threshold = level.low_stock_threshold
    if crossed_below(before_available, level.available, threshold):
        LOW_STOCK.labels("inventory").inc()
        await outbox.add(
            session, sku, LowStock(sku=sku, available=level.available, threshold=threshold)
        )
