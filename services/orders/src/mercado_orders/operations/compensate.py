"""Undoing an order: settle its payment, refund it, release its stock, then CANCELLED.

Whoever asks for a cancellation (a decline, the customer, an expired reservation) only
writes ``cancel_requested``; this step then does the work, resuming after any crash.
"""

from __future__ import annotations

import logging

from mercado_orders.domain.orders import SETTLED_PAYMENTS, PaymentStatus, Status, may_hold_stock
from mercado_orders.events.publish import CANCELLED
from mercado_orders.operations.context import CONTINUE, Next, Row, SagaContext, wait
from mercado_orders.operations.steps import (
    Lines,
    error_code,
    find_payment,
    payment_fields,
    record_payment,
    settle_wait,
)

log = logging.getLogger("mercado.orders.saga")


async def compensate(ctx: SagaContext, row: Row, lines: Lines) -> Next:
    status = Status(row["status"])
    # 1. The payment's outcome must be known before deciding there is nothing to refund.
    if status is Status.PAYMENT_PENDING and row["payment_status"] not in SETTLED_PAYMENTS:
        found = await find_payment(ctx, row)
        if found is not None:
            return await record_payment(ctx, row, lines, found)
        remaining = settle_wait(ctx, row)
        if remaining > 0:
            return wait(remaining)
    # 2. Money back.
    if row["payment_status"] == PaymentStatus.SUCCEEDED:
        reply = await ctx.deps.refund(row["payment_id"])
        if reply.ok and isinstance(reply.body, dict):
            await ctx.transition(row, lines, **payment_fields(row, reply.body))
            return CONTINUE
        current = await ctx.deps.payment_by_id(row["payment_id"])
        if current is not None and current.get("status") == PaymentStatus.REFUNDED:
            await ctx.transition(row, lines, **payment_fields(row, current))
            return CONTINUE
        log.error(
            "payment refused to refund order %s: %s %s", row["id"], reply.status, error_code(reply)
        )
        return wait(ctx.settings.retry_max_seconds)
    # 3. Stock back (release is idempotent; a reservation that never existed is fine).
    if may_hold_stock(status):
        reply = await ctx.deps.release(row["id"])
        if not reply.ok and error_code(reply) != "reservation_not_found":
            log.warning(
                "inventory did not release order %s yet: %s %s",
                row["id"],
                reply.status,
                error_code(reply),
            )
            return wait(ctx.settings.retry_base_seconds)
    # 4. Done.
    await ctx.transition(
        row,
        lines,
        event=CANCELLED,
        status=Status.CANCELLED.value,
        cancel_reason=row["cancel_requested"],
        cancel_requested=None,
    )
    return CONTINUE
