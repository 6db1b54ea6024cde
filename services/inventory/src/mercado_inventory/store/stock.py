"""Stock rows: every change is one conditional UPDATE, so concurrent callers cannot
oversell (the database re-checks the condition under its row lock)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import RowMapping, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_inventory.domain.stock import StockLevel
from mercado_inventory.store.tables import stock

_COLUMNS = (
    stock.c.sku,
    stock.c.available,
    stock.c.reserved,
    stock.c.sold,
    stock.c.low_stock_threshold,
    stock.c.version,
    stock.c.updated_at,
)


def _level(row: RowMapping) -> StockLevel:
    return StockLevel(**row)


async def get(session: AsyncSession, sku: str) -> StockLevel | None:
    row = (await session.execute(select(*_COLUMNS).where(stock.c.sku == sku))).first()
    return _level(row._mapping) if row else None


async def page(
    session: AsyncSession, skus: list[str] | None, limit: int, offset: int
) -> tuple[list[StockLevel], int]:
    where = stock.c.sku.in_(skus) if skus else stock.c.sku.is_not(None)
    total = await session.scalar(select(func.count()).select_from(stock).where(where))
    rows = await session.execute(
        select(*_COLUMNS).where(where).order_by(stock.c.sku).limit(limit).offset(offset)
    )
    return [_level(r._mapping) for r in rows], int(total or 0)


async def ensure(session: AsyncSession, sku: str, threshold: int) -> None:
    """Creates an empty stock row for a new SKU; one that exists already is kept as is."""
    with contextlib.suppress(IntegrityError):
        async with session.begin_nested():
            await session.execute(
                insert(stock).values(
                    sku=sku,
                    available=0,
                    reserved=0,
                    sold=0,
                    low_stock_threshold=threshold,
                    version=0,
                    updated_at=datetime.now(UTC),
                )
            )


async def _change(
    session: AsyncSession, sku: str, condition: Any, **values: Any
) -> StockLevel | None:
    result = await session.execute(
        update(stock)
        .where(stock.c.sku == sku, condition)
        .values(version=stock.c.version + 1, updated_at=datetime.now(UTC), **values)
        .returning(*_COLUMNS)
    )
    row = result.first()
    return _level(row._mapping) if row else None


async def adjust(session: AsyncSession, sku: str, delta: int) -> StockLevel | None:
    """Adds ``delta`` to available stock; None when that would make it negative."""
    return await _change(
        session, sku, stock.c.available + delta >= 0, available=stock.c.available + delta
    )


async def set_threshold(session: AsyncSession, sku: str, threshold: int) -> None:
    await session.execute(
        update(stock).where(stock.c.sku == sku).values(low_stock_threshold=threshold)
    )


async def take(session: AsyncSession, sku: str, quantity: int) -> StockLevel | None:
    """Moves units from available to reserved; None when fewer are available."""
    return await _change(
        session,
        sku,
        stock.c.available >= quantity,
        available=stock.c.available - quantity,
        reserved=stock.c.reserved + quantity,
    )


async def sell(session: AsyncSession, sku: str, quantity: int) -> StockLevel | None:
    """Moves reserved units to sold."""
    return await _change(
        session,
        sku,
        stock.c.reserved >= quantity,
        reserved=stock.c.reserved - quantity,
        sold=stock.c.sold + quantity,
    )


async def unreserve(session: AsyncSession, sku: str, quantity: int) -> StockLevel | None:
    """Returns reserved units to available."""
    return await _change(
        session,
        sku,
        stock.c.reserved >= quantity,
        reserved=stock.c.reserved - quantity,
        available=stock.c.available + quantity,
    )


async def restock_sold(session: AsyncSession, sku: str, quantity: int) -> StockLevel | None:
    """Returns sold units to available (an order cancelled after it was paid)."""
    return await _change(
        session,
        sku,
        stock.c.sold >= quantity,
        sold=stock.c.sold - quantity,
        available=stock.c.available + quantity,
    )
