"""Admin stock adjustments, only for SKUs inventory learnt of from the catalog."""

from __future__ import annotations

from mercado_inventory.domain.stock import StockLevel
from mercado_inventory.events.publish import stock_changed
from mercado_inventory.store import stock
from mercado_toolkit.errors import AppError
from mercado_toolkit.runtime import Runtime


async def adjust(rt: Runtime, sku: str, delta: int, threshold: int | None) -> StockLevel:
    """Adds ``delta`` units of ``sku`` and/or sets its low-stock threshold.

    A SKU gets its stock row when the catalog's ``product.created`` reaches inventory; an
    adjustment before that (or for a SKU no product has) is a 404, never a phantom row.
    """
    async with rt.transaction() as session:
        if await stock.get(session, sku) is None:
            raise AppError(
                404,
                "unknown_sku",
                f"no product with sku {sku} is known to inventory (yet): a SKU is stocked "
                "once the catalog has announced its product",
            )
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
