"""Undoing an order: settle its payment, refund it, release its stock, then CANCELLED.

Whoever asks for a cancellation (a decline, the customer, an expired reservation) only
writes ``cancel_requested``; this step then does the work, resuming after any crash.
"""

from __future__ import annotations

import logging

from mercado_orders.domain.orders import SETTLED_PAYMENTS, PaymentStatus, Status, may_hold_stock
from mercado_orders.domain.record import OrderRecord, PaymentSeen
from mercado_orders.events.publish import CANCELLED
from mercado_orders.operations.context import CONTINUE, Next, SagaContext, wait
from mercado_orders.operations.steps import (
    Lines,
    error_code,
    find_payment,
    record_payment,
    settle_wait,
)

log = logging.getLogger("mercado.orders.saga")


async def compensate(ctx: SagaContext, row: OrderRecord, lines: Lines) -> Next:
    status = row.status
    # 1. The payment's outcome must be known before deciding there is nothing to refund.
    if status is Status.PAYMENT_PENDING and row.payment_status not in SETTLED_PAYMENTS:
        found = await find_payment(ctx, row)
        if found is not None:
            return await record_payment(ctx, row, lines, found)
        remaining = settle_wait(ctx, row)
        if remaining > 0:
            return wait(remaining)
    # 2. Money back.
    if row.payment_status is PaymentStatus.SUCCEEDED and row.payment_id is not None:
        reply = await ctx.deps.refund(row.payment_id)
        if reply.ok and isinstance(reply.body, dict):
            return await _refunded(ctx, row, lines, PaymentSeen.from_body(reply.body))
        current = await ctx.deps.payment_by_id(row.payment_id)
        if current is not None and current.status == PaymentStatus.REFUNDED:
            return await _refunded(ctx, row, lines, current)
        log.error(
            "payment refused to refund order %s: %s %s", row.id, reply.status, error_code(reply)
        )
        return wait(ctx.settings.retry_max_seconds)
    # 3. Stock back (release is idempotent; a reservation that never existed is fine).
    if may_hold_stock(status):
        reply = await ctx.deps.release(row.id)
        if not reply.ok and error_code(reply) != "reservation_not_found":
            log.warning(
                "inventory did not release order %s yet: %s %s",
                row.id,
                reply.status,
                error_code(reply),
            )
            return wait(ctx.settings.retry_base_seconds)
    # 4. Done.
    await ctx.transition(row, row.cancelled(row.cancel_requested), lines, event=CANCELLED)
    return CONTINUE


async def _refunded(ctx: SagaContext, row: OrderRecord, lines: Lines, payment: PaymentSeen) -> Next:
    """Records the payment as the refund left it (its status as payment said it)."""
    await ctx.transition(row, row.with_payment(payment, PaymentStatus(payment.status)), lines)
    return CONTINUE
