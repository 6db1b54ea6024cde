"""The forward steps of the checkout saga: reserve, pay, commit.

Every step calls a dependency with the order id as idempotency key, then records the
outcome with a versioned update; replaying a step after a crash is always safe.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

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
from mercado_orders.events.publish import CANCELLED, CONFIRMED
from mercado_orders.operations.context import CONTINUE, Next, Row, SagaContext, utcnow, wait
from mercado_toolkit.http_client import Reply

log = logging.getLogger("mercado.orders.saga")

Lines = Sequence[PricedLine]


def error_code(reply: Reply) -> str:
    body = reply.body if isinstance(reply.body, dict) else {}
    error = body.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    return str(code or f"http_{reply.status}")


def _retry(ctx: SagaContext, row: Row) -> Next:
    return wait(
        backoff(row["attempts"], ctx.settings.retry_base_seconds, ctx.settings.retry_max_seconds)
    )


async def reserve(ctx: SagaContext, row: Row, lines: Lines) -> Next:
    reply = await ctx.deps.reserve(
        row["id"], reservation_lines(lines), ctx.settings.reservation_ttl_seconds
    )
    code = "" if reply.ok else error_code(reply)
    if reply.ok:
        held = isinstance(reply.body, dict) and reply.body.get("status") in (
            ReservationStatus.ACTIVE,
            ReservationStatus.COMMITTED,
        )
        if not held:  # a replay found the reservation already released or expired
            await ctx.transition(
                row, lines, cancel_requested=CancelReason.RESERVATION_EXPIRED.value
            )
            return CONTINUE
        await ctx.transition(row, lines, status=Status.RESERVED.value)
        return CONTINUE
    if code in RESERVATION_REFUSED:
        # Nothing was reserved: the order ends here.
        await ctx.transition(
            row,
            lines,
            event=CANCELLED,
            status=Status.CANCELLED.value,
            cancel_reason=CancelReason.OUT_OF_STOCK.value,
        )
        return CONTINUE
    log.error("inventory refused the reservation of order %s: %s %s", row["id"], reply.status, code)
    return _retry(ctx, row)


async def begin_payment(ctx: SagaContext, row: Row, lines: Lines) -> Next:
    if row["total_amount"] == 0:  # nothing to charge (free items)
        await ctx.transition(row, lines, status=Status.PAID.value)
        return CONTINUE
    await ctx.transition(
        row, lines, status=Status.PAYMENT_PENDING.value, payment_attempt_at=utcnow()
    )
    return CONTINUE


def payment_fields(row: Row, payment: dict[str, Any]) -> dict[str, Any]:
    return {
        "payment_id": str(payment.get("id")),
        "payment_status": str(payment.get("status")),
        "decline_code": payment.get("decline_code"),
        "card_last4": payment.get("card_last4") or row["card_last4"],
    }


async def record_payment(ctx: SagaContext, row: Row, lines: Lines, payment: dict[str, Any]) -> Next:
    """Moves the order on according to the payment's state."""
    status = payment.get("status")
    fields = payment_fields(row, payment)
    if status == PaymentStatus.PENDING:
        # Outcome unknown at the bank: payment settles it; we ask again later.
        if row["payment_id"] != fields["payment_id"] or row["payment_status"] != status:
            await ctx.transition(row, lines, **fields)
        return wait(
            backoff(
                row["attempts"], ctx.settings.retry_base_seconds, ctx.settings.retry_max_seconds / 2
            )
        )
    if status == PaymentStatus.SUCCEEDED:
        if row["status"] == Status.PAYMENT_PENDING:
            await ctx.transition(row, lines, status=Status.PAID.value, **fields)
        else:
            await ctx.transition(row, lines, **fields)
    elif status == PaymentStatus.DECLINED:
        await ctx.transition(
            row,
            lines,
            cancel_requested=row["cancel_requested"] or CancelReason.PAYMENT_DECLINED.value,
            **fields,
        )
    elif status == PaymentStatus.REFUNDED:
        await ctx.transition(
            row,
            lines,
            cancel_requested=row["cancel_requested"] or CancelReason.PAYMENT_REFUNDED.value,
            **fields,
        )
    else:
        log.error("payment of order %s has an unknown status %r", row["id"], status)
        return _retry(ctx, row)
    return CONTINUE


async def find_payment(ctx: SagaContext, row: Row) -> dict[str, Any] | None:
    if row["payment_id"]:
        found = await ctx.deps.payment_by_id(row["payment_id"])
        if found is not None:
            return found
    return await ctx.deps.payment_of(row["id"])


def settle_wait(ctx: SagaContext, row: Row) -> float:
    """Seconds until "payment has no charge for this order" is conclusive: a charge sent by
    a process that died may land at payment until the grace period has passed."""
    attempted: datetime | None = row["payment_attempt_at"]
    if attempted is None:
        return 0.0
    grace = timedelta(seconds=ctx.settings.payment_settle_grace_seconds)
    return max(0.0, (attempted + grace - utcnow()).total_seconds())


async def pay(ctx: SagaContext, row: Row, lines: Lines) -> Next:
    if row["payment_status"] == PaymentStatus.PENDING:
        found = await find_payment(ctx, row)
        if found is not None:
            return await record_payment(ctx, row, lines, found)
    if not row["card_token"]:  # only orders accepted before cards were tokenised
        return await _settle_without_card(ctx, row, lines)
    method = {"card_token": row["card_token"]}
    if row["attempts"] > 0:  # a retry: the grace period counts from this attempt
        if not await ctx.transition(
            row, lines, payment_attempt_at=utcnow(), attempts=row["attempts"]
        ):
            return CONTINUE
        row = {**row, "version": row["version"] + 1}
    reply = await ctx.deps.charge(row["id"], row["total_amount"], row["currency"], method)
    if reply.ok and isinstance(reply.body, dict):
        return await record_payment(ctx, row, lines, reply.body)
    code = error_code(reply)
    if reply.status in (401, 403):
        log.error("payment refused orders' token (%s); check MERCADO_ORDERS_PAYMENT__TOKEN", code)
        return _retry(ctx, row)
    # Payment refused the request itself (invalid card data, ...): nothing was charged.
    await ctx.transition(
        row,
        lines,
        payment_status=PaymentStatus.DECLINED.value,
        decline_code=code,
        cancel_requested=CancelReason.PAYMENT_DECLINED.value,
    )
    return CONTINUE


async def _settle_without_card(ctx: SagaContext, row: Row, lines: Lines) -> Next:
    """No card to charge (lost in a restart, or kept past its time): ask payment."""
    found = await find_payment(ctx, row)
    if found is not None:
        return await record_payment(ctx, row, lines, found)
    remaining = settle_wait(ctx, row)
    if remaining > 0:
        return wait(remaining)
    log.warning("order %s: no charge reached payment and no card is held; cancelling", row["id"])
    await ctx.transition(row, lines, cancel_requested=CancelReason.PAYMENT_UNAVAILABLE.value)
    return CONTINUE


async def commit(ctx: SagaContext, row: Row, lines: Lines) -> Next:
    reply = await ctx.deps.commit(row["id"])
    if reply.ok:
        await ctx.transition(row, lines, event=CONFIRMED, status=Status.CONFIRMED.value)
        return CONTINUE
    code = error_code(reply)
    if code in RESERVATION_GONE:
        await ctx.transition(row, lines, cancel_requested=CancelReason.RESERVATION_EXPIRED.value)
        return CONTINUE
    log.error("inventory refused to commit order %s: %s %s", row["id"], reply.status, code)
    return _retry(ctx, row)
