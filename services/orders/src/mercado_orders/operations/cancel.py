"""A customer cancels an order: refund if paid, return the stock, CANCELLED."""

from __future__ import annotations

from mercado_orders.domain.orders import CancelReason, PricedLine, Status
from mercado_orders.domain.record import OrderRecord
from mercado_orders.operations.context import SagaContext, utcnow
from mercado_orders.operations.saga import Saga
from mercado_orders.store import orders as store
from mercado_toolkit.errors import AppError


async def load(ctx: SagaContext, order_id: str) -> tuple[OrderRecord, list[PricedLine]]:
    async with ctx.rt.reader() as session:
        row = await store.get(session, order_id)
        if row is None:
            raise AppError(404, "order_not_found", f"no order with id {order_id}")
        lines = (await store.lines_of(session, [order_id]))[order_id]
    return row, lines


async def cancel(
    ctx: SagaContext, saga: Saga, order_id: str
) -> tuple[OrderRecord, list[PricedLine]]:
    """Asks for the cancellation and carries it out now when this process can; otherwise
    the driver of the order or the recovery loop finishes it shortly."""
    for _ in range(10):
        row, _lines = await load(ctx, order_id)
        if row.status is Status.CANCELLED:
            raise AppError(409, "order_not_cancellable", f"order {order_id} is already cancelled")
        if row.cancel_requested:
            break
        async with ctx.rt.transaction() as session:
            now = utcnow()
            asked = row.cancel_asked(CancelReason.CUSTOMER_CANCELLED)
            done = await store.change(session, row, asked, now, next_attempt_at=now)
        if done is not None:
            break
    else:
        raise AppError(409, "conflict", f"order {order_id} is changing; try again")
    await saga.drive(order_id)
    return await load(ctx, order_id)
