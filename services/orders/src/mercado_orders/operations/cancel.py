"""A customer cancels an order: refund if paid, return the stock, CANCELLED."""

from __future__ import annotations

from mercado_orders.domain.orders import CancelReason, PricedLine, Status
from mercado_orders.operations.context import Row, SagaContext, utcnow
from mercado_orders.operations.saga import Saga
from mercado_orders.store import orders as store
from mercado_toolkit.errors import AppError


async def load(ctx: SagaContext, order_id: str) -> tuple[Row, list[PricedLine]]:
    async with ctx.rt.reader() as session:
        row = await store.get(session, order_id)
        if row is None:
            raise AppError(404, "order_not_found", f"no order with id {order_id}")
        lines = (await store.lines_of(session, [order_id]))[order_id]
    return row, lines


async def cancel(ctx: SagaContext, saga: Saga, order_id: str) -> tuple[Row, list[PricedLine]]:
    """Asks for the cancellation and carries it out now when this process can; otherwise
    the driver of the order or the recovery loop finishes it shortly."""
    for _ in range(10):
        row, _lines = await load(ctx, order_id)
        if row["status"] == Status.CANCELLED:
            raise AppError(409, "order_not_cancellable", f"order {order_id} is already cancelled")
        if row["cancel_requested"]:
            break
        async with ctx.rt.transaction() as session:
            done = await store.change(
                session,
                row,
                utcnow(),
                cancel_requested=CancelReason.CUSTOMER_CANCELLED.value,
                next_attempt_at=utcnow(),
            )
        if done:
            break
    else:
        raise AppError(409, "conflict", f"order {order_id} is changing; try again")
    await saga.drive(order_id)
    return await load(ctx, order_id)
