"""The forward steps of the checkout saga: reserve, pay, commit.

Every step calls a dependency with the order id as idempotency key, then records the
outcome with a versioned update; replaying a step after a crash is always safe.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from mercado_contracts.errors import RESERVATION_GONE, RESERVATION_REFUSED
from mercado_contracts.states import ReservationStatus
from mercado_orders.domain.orders import (
    CancelReason,
    PaymentStatus,
    PricedLine,
    Status,
    backoff,
    reservation_lines,
)
from mercado_orders.domain.record import OrderRecord, PaymentSeen
from mercado_orders.events.publish import CANCELLED, CONFIRMED
from mercado_orders.operations.context import CONTINUE, Next, SagaContext, utcnow, wait
from mercado_toolkit.http_client import Reply

log = logging.getLogger("mercado.orders.saga")

Lines = Sequence[PricedLine]


def error_code(reply: Reply) -> str:
    body = reply.body if isinstance(reply.body, dict) else {}
    error = body.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    return str(code or f"http_{reply.status}")


def _retry(ctx: SagaContext, row: OrderRecord) -> Next:
    return wait(
        backoff(row.attempts, ctx.settings.retry_base_seconds, ctx.settings.retry_max_seconds)
    )


async def reserve(ctx: SagaContext, row: OrderRecord, lines: Lines) -> Next:
    reply = await ctx.deps.reserve(
        row.id, reservation_lines(lines), ctx.settings.reservation_ttl_seconds
    )
    if reply.ok:
        held = isinstance(reply.body, dict) and reply.body.get("status") in (
            ReservationStatus.ACTIVE,
            ReservationStatus.COMMITTED,
        )
        if not held:  # a replay found the reservation already released or expired
            await ctx.transition(row, row.cancel_asked(CancelReason.RESERVATION_EXPIRED), lines)
            return CONTINUE
        await ctx.transition(row, row.reserved(), lines)
        return CONTINUE
    code = error_code(reply)
    if code in RESERVATION_REFUSED:
        # Nothing was reserved: the order ends here.
        await ctx.transition(row, row.cancelled(CancelReason.OUT_OF_STOCK), lines, event=CANCELLED)
        return CONTINUE
    log.error("inventory refused the reservation of order %s: %s %s", row.id, reply.status, code)
    return _retry(ctx, row)


async def begin_payment(ctx: SagaContext, row: OrderRecord, lines: Lines) -> Next:
    if row.total_amount == 0:  # nothing to charge (free items)
        await ctx.transition(row, row.paid(), lines)
        return CONTINUE
    await ctx.transition(row, row.payment_started(utcnow()), lines)
    return CONTINUE


async def record_payment(
    ctx: SagaContext, row: OrderRecord, lines: Lines, payment: PaymentSeen
) -> Next:
    """Moves the order on according to the payment's state."""
    try:
        status = PaymentStatus(payment.status)
    except ValueError:
        log.error("payment of order %s has an unknown status %r", row.id, payment.status)
        return _retry(ctx, row)
    recorded = row.with_payment(payment, status)
    if status is PaymentStatus.PENDING:
        # Outcome unknown at the bank: payment settles it; we ask again later, writing the
        # order only when what payment shows of it changed.
        if recorded != row:
            await ctx.transition(row, recorded, lines)
        return wait(
            backoff(
                row.attempts, ctx.settings.retry_base_seconds, ctx.settings.retry_max_seconds / 2
            )
        )
    if status is PaymentStatus.SUCCEEDED:
        if row.status is Status.PAYMENT_PENDING:
            recorded = recorded.paid()
        await ctx.transition(row, recorded, lines)
    elif status is PaymentStatus.DECLINED:
        await ctx.transition(row, recorded.cancel_asked(CancelReason.PAYMENT_DECLINED), lines)
    else:  # refunded
        await ctx.transition(row, recorded.cancel_asked(CancelReason.PAYMENT_REFUNDED), lines)
    return CONTINUE


async def find_payment(ctx: SagaContext, row: OrderRecord) -> PaymentSeen | None:
    """The order's payment, if payment has one: it keeps at most one per order (its
    ``order_id`` is unique), so the order's id finds it whether or not its id is known."""
    return await ctx.deps.payment_of(row.id)


def settle_wait(ctx: SagaContext, row: OrderRecord) -> float:
    """Seconds until "payment has no charge for this order" is conclusive: a charge sent by
    a process that died may land at payment until the grace period has passed."""
    attempted = row.payment_attempt_at
    if attempted is None:
        return 0.0
    grace = timedelta(seconds=ctx.settings.payment_settle_grace_seconds)
    return max(0.0, (attempted + grace - utcnow()).total_seconds())


async def pay(ctx: SagaContext, row: OrderRecord, lines: Lines) -> Next:
    if row.payment_status is PaymentStatus.PENDING:
        found = await find_payment(ctx, row)
        if found is not None:
            return await record_payment(ctx, row, lines, found)
    card_token = row.card_token
    if not card_token:  # only orders accepted before cards were tokenised
        return await _settle_without_card(ctx, row, lines)
    if row.attempts > 0:  # a retry: the grace period counts from this attempt
        retried = await ctx.transition(
            row, row.payment_retried(utcnow()), lines, keep_attempts=True
        )
        if retried is None:
            return CONTINUE
        row = retried
    reply = await ctx.deps.charge(row.id, row.total_amount, row.currency, card_token)
    if reply.ok and isinstance(reply.body, dict):
        return await record_payment(ctx, row, lines, PaymentSeen.from_body(reply.body))
    code = error_code(reply)
    if reply.status in (401, 403):
        log.error("payment refused orders' token (%s); check MERCADO_ORDERS_PAYMENT__TOKEN", code)
        return _retry(ctx, row)
    # Payment refused the request itself (invalid card data, ...): nothing was charged.
    await ctx.transition(row, row.payment_refused(code), lines)
    return CONTINUE


async def _settle_without_card(ctx: SagaContext, row: OrderRecord, lines: Lines) -> Next:
    """No card to charge (lost in a restart, or kept past its time): ask payment."""
    found = await find_payment(ctx, row)
    if found is not None:
        return await record_payment(ctx, row, lines, found)
    remaining = settle_wait(ctx, row)
    if remaining > 0:
        return wait(remaining)
    log.warning("order %s: no charge reached payment and no card is held; cancelling", row.id)
    await ctx.transition(row, row.cancel_asked(CancelReason.PAYMENT_UNAVAILABLE), lines)
    return CONTINUE


async def commit(ctx: SagaContext, row: OrderRecord, lines: Lines) -> Next:
    reply = await ctx.deps.commit(row.id)
    if reply.ok:
        await ctx.transition(row, row.confirmed(), lines, event=CONFIRMED)
        return CONTINUE
    code = error_code(reply)
    if code in RESERVATION_GONE:
        await ctx.transition(row, row.cancel_asked(CancelReason.RESERVATION_EXPIRED), lines)
        return CONTINUE
    log.error("inventory refused to commit order %s: %s %s", row.id, reply.status, code)
    return _retry(ctx, row)
