"""Settling payments from what the bank says, and the loop that settles PENDING ones.

The loop asks the bank under the payment's own key. When the bank has no record (every
try failed before the bank acted), a payment by card token is sent again under the same key
(the bank authorizes a key at most once) until the bank answers; a payment by card number
(whose number payment never keeps) has its key closed once the bank has had no record for
``settle_close_after_seconds``, so it can never be charged later.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from mercado_payment.clients.bank import (
    AuthorizeBody,
    BankClient,
    BankRejected,
    BankUnknown,
    MoneyBody,
)
from mercado_payment.domain.payments import (
    Settlement,
    Status,
    metric_outcome,
    next_check_delay,
    settlement,
)
from mercado_payment.domain.record import BankAnswer, PaymentRecord
from mercado_payment.events.publish import payment_event
from mercado_payment.store import payments as store
from mercado_toolkit.metrics import PAYMENTS
from mercado_toolkit.runtime import Runtime

log = logging.getLogger("mercado.payment.settle")


async def apply(
    rt: Runtime, payment_id: str, s: Settlement, bank: BankAnswer | None
) -> PaymentRecord:
    """PENDING -> the settled state, with its event, exactly once; returns the payment."""
    async with rt.transaction() as session:
        moved = await store.settle(session, payment_id, s, bank)
        row = await store.by_id(session, payment_id)
        assert row is not None
        if moved:
            await payment_event(rt.outbox, session, row)
    if moved:
        PAYMENTS.labels("payment", metric_outcome(s)).inc()
        log.info("payment %s of order %s settled %s", row.id, row.order_id, row.status)
    return row


async def postpone(rt: Runtime, row: PaymentRecord, interval: float) -> None:
    async with rt.transaction() as session:
        await store.postpone(session, row.id, next_check_delay(interval, row.checks))


def token_payload(row: PaymentRecord, card_token: str) -> AuthorizeBody:
    """The authorization of a payment by card token, exactly as it was first sent."""
    return AuthorizeBody(
        amount=MoneyBody(amount=row.amount, currency=row.currency),
        capture=True,
        reference=row.order_id,
        card_token=card_token,
    )


async def settle_one(
    rt: Runtime, bank: BankClient, row: PaymentRecord, close_after: float | None
) -> PaymentRecord:
    """Asks the bank about one PENDING payment; closes its key when it is old enough and
    the bank never recorded it (``close_after`` None: never close)."""
    try:
        found = await bank.lookup(row.bank_key)
        age = (datetime.now(UTC) - row.created_at).total_seconds()
        if found is None and row.card_token:
            found = await bank.authorize(row.bank_key, token_payload(row, row.card_token))
        elif found is None and close_after is not None and age >= close_after:
            found = await bank.close(row.bank_key, row.order_id)
    except BankRejected as exc:
        if exc.status in (401, 403, 409):  # misconfigured, or look the key up next round
            log.warning("cannot settle payment %s yet: %s", row.id, exc)
            return row
        return await apply(rt, row.id, Settlement(Status.DECLINED, exc.code), None)
    except BankUnknown as exc:
        log.warning("cannot settle payment %s yet: %s", row.id, exc)
        return row
    s = settlement(found.status, found.decline_code) if found else None
    if s is None:
        return row
    return await apply(rt, row.id, s, found)


async def settle_due(rt: Runtime, bank: BankClient, interval: float, close_after: float) -> int:
    """One round of the settlement loop; returns how many payments were settled."""
    async with rt.reader() as session:
        due = await store.due_pending(session, datetime.now(UTC), limit=50)
    settled = 0
    for row in due:
        after = await settle_one(rt, bank, row, close_after)
        if after.status is Status.PENDING:
            await postpone(rt, row, interval)
        else:
            settled += 1
    return settled
