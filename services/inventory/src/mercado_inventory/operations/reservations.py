"""Reserve, commit, release and expire: each one transaction with its events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from mercado_inventory.domain.reservations import FINAL, Line, Reservation, Status, can_commit
from mercado_inventory.domain.stock import StockLevel
from mercado_inventory.events.publish import stock_changed
from mercado_inventory.store import reservations, stock
from mercado_toolkit.errors import AppError
from mercado_toolkit.metrics import RESERVATIONS
from mercado_toolkit.runtime import Runtime


async def _apply(
    rt: Runtime, session: AsyncSession, level: StockLevel | None, available_delta: int
) -> None:
    """Publishes a change whose update moved ``available`` by ``available_delta``."""
    if level is None:
        # The conditional update found the row in a state our bookkeeping rules out.
        raise AppError(409, "stock_conflict", "stock changed concurrently; retry")
    await stock_changed(rt.outbox, session, level, level.available - available_delta)


async def reserve(rt: Runtime, order_id: str, lines: list[Line], ttl: int) -> Reservation:
    async with rt.transaction() as session:
        existing = await reservations.get(session, order_id)
        if existing is not None:
            if existing.lines != lines:
                raise AppError(
                    409,
                    "reservation_mismatch",
                    f"order {order_id} already holds a reservation with other lines",
                )
            return existing
        for line in lines:
            taken = await stock.take(session, line.sku, line.quantity)
            if taken is None:
                current = await stock.get(session, line.sku)
                if current is None:
                    raise AppError(404, "unknown_sku", f"no stock is kept for sku {line.sku}")
                RESERVATIONS.labels("inventory", "out_of_stock").inc()
                raise AppError(
                    409,
                    "out_of_stock",
                    f"only {current.available} of {line.sku} available, {line.quantity} requested",
                    {
                        "sku": line.sku,
                        "requested": line.quantity,
                        "available": current.available,
                    },
                )
            await _apply(rt, session, taken, -line.quantity)
        expires_at = datetime.now(UTC) + timedelta(seconds=ttl)
        await reservations.create(session, order_id, lines, expires_at)
    RESERVATIONS.labels("inventory", "reserved").inc()
    return Reservation(order_id, Status.ACTIVE, expires_at, lines, created=True)


async def _load(session: AsyncSession, order_id: str) -> Reservation:
    found = await reservations.get(session, order_id)
    if found is None:
        raise AppError(404, "reservation_not_found", f"no reservation for order {order_id}")
    return found


async def get(rt: Runtime, order_id: str) -> Reservation:
    async with rt.reader() as session:
        return await _load(session, order_id)


async def commit(rt: Runtime, order_id: str) -> Reservation:
    async with rt.transaction() as session:
        found = await _load(session, order_id)
        status = found.status
        if not can_commit(status):
            raise AppError(
                409, "reservation_not_active", f"reservation of {order_id} is {status.value}"
            )
        if status is Status.COMMITTED:
            return found
        if not await reservations.transition(session, order_id, Status.ACTIVE, Status.COMMITTED):
            raise AppError(409, "stock_conflict", "reservation changed concurrently; retry")
        for line in found.lines:
            await _apply(rt, session, await stock.sell(session, line.sku, line.quantity), 0)
    RESERVATIONS.labels("inventory", "committed").inc()
    return found.moved_to(Status.COMMITTED)


async def _return_stock(
    rt: Runtime, session: AsyncSession, lines: list[Line], from_status: Status
) -> None:
    for line in lines:
        if from_status is Status.COMMITTED:
            changed = await stock.restock_sold(session, line.sku, line.quantity)
        else:
            changed = await stock.unreserve(session, line.sku, line.quantity)
        await _apply(rt, session, changed, line.quantity)


async def release(rt: Runtime, order_id: str) -> Reservation:
    async with rt.transaction() as session:
        found = await _load(session, order_id)
        status = found.status
        if status in FINAL:
            return found
        if not await reservations.transition(session, order_id, status, Status.RELEASED):
            raise AppError(409, "stock_conflict", "reservation changed concurrently; retry")
        await _return_stock(rt, session, found.lines, status)
    RESERVATIONS.labels("inventory", "released").inc()
    return found.moved_to(Status.RELEASED)


async def expire_due(rt: Runtime) -> None:
    """Expires reservations past their deadline (each counted in the reservations metric)."""
    async with rt.reader() as session:
        due = await reservations.expired(session, datetime.now(UTC))
    for order_id in due:
        async with rt.transaction() as session:
            found = await reservations.get(session, order_id)
            if found is None:
                continue
            if not await reservations.transition(session, order_id, Status.ACTIVE, Status.EXPIRED):
                continue  # committed or released meanwhile
            await _return_stock(rt, session, found.lines, Status.ACTIVE)
            RESERVATIONS.labels("inventory", "expired").inc()
