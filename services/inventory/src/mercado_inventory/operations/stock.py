"""Admin stock adjustments."""

from __future__ import annotations

from mercado_inventory.domain.stock import StockLevel
from mercado_inventory.events.publish import stock_changed
from mercado_inventory.store import stock
from mercado_toolkit.errors import AppError
from mercado_toolkit.runtime import Runtime


async def adjust(
    rt: Runtime, sku: str, delta: int, threshold: int | None, default_threshold: int
) -> StockLevel:
    async with rt.transaction() as session:
        await stock.ensure(session, sku, default_threshold)
        if threshold is not None:
            await stock.set_threshold(session, sku, threshold)
        level = await stock.adjust(session, sku, delta)
        if level is None:
            current = await stock.get(session, sku)
            assert current is not None
            raise AppError(
                409,
                "insufficient_stock",
                f"cannot remove {-delta} of {sku}: only {current.available} available",
            )
        await stock_changed(rt.outbox, session, level, level.available - delta)
    return level
