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
from typing import Any

from mercado_payment.clients.bank import BankClient, BankRejected, BankUnknown
from mercado_payment.domain.payments import (
    Settlement,
    Status,
    metric_outcome,
    next_check_delay,
    settlement,
)
from mercado_payment.events.publish import payment_event
from mercado_payment.store import payments as store
from mercado_toolkit.metrics import PAYMENTS
from mercado_toolkit.runtime import Runtime

log = logging.getLogger("mercado.payment.settle")

Row = dict[str, Any]


async def apply(rt: Runtime, payment_id: str, s: Settlement, bank: Row | None) -> Row:
    """PENDING -> the settled state, with its event, exactly once; returns the row."""
    values: dict[str, Any] = {"decline_code": s.decline_code}
    if bank is not None:
        values["bank_authorization_id"] = bank.get("id")
        if bank.get("card_last4"):
            values["card_last4"] = bank["card_last4"]
        if bank.get("card_token"):
            values["card_token"] = bank["card_token"]
    async with rt.transaction() as session:
        moved = await store.transition(
            session, payment_id, Status.PENDING.value, s.status.value, **values
        )
        row = await store.by_id(session, payment_id)
        assert row is not None
        if moved:
            await payment_event(rt.outbox, session, row)
    if moved:
        PAYMENTS.labels("payment", metric_outcome(s)).inc()
        log.info("payment %s of order %s settled %s", row["id"], row["order_id"], row["status"])
    return row


async def postpone(rt: Runtime, row: Row, interval: float) -> None:
    async with rt.transaction() as session:
        await store.postpone(session, row["id"], next_check_delay(interval, row["checks"]))


def token_payload(row: Row) -> dict[str, Any]:
    """The authorization of a payment by card token, exactly as it was first sent."""
    return {
        "amount": {"amount": row["amount"], "currency": row["currency"]},
        "capture": True,
        "reference": row["order_id"],
        "card_token": row["card_token"],
    }


async def settle_one(rt: Runtime, bank: BankClient, row: Row, close_after: float | None) -> Row:
    """Asks the bank about one PENDING payment; closes its key when it is old enough and
    the bank never recorded it (``close_after`` None: never close)."""
    try:
        found = await bank.lookup(row["bank_key"])
        age = (datetime.now(UTC) - row["created_at"]).total_seconds()
        if found is None and row["card_token"]:
            found = await bank.authorize(row["bank_key"], token_payload(row))
        elif found is None and close_after is not None and age >= close_after:
            found = await bank.close(row["bank_key"], row["order_id"])
    except BankRejected as exc:
        if exc.status in (401, 403, 409):  # misconfigured, or look the key up next round
            log.warning("cannot settle payment %s yet: %s", row["id"], exc)
            return row
        return await apply(rt, row["id"], Settlement(Status.DECLINED, exc.code), None)
    except BankUnknown as exc:
        log.warning("cannot settle payment %s yet: %s", row["id"], exc)
        return row
    s = settlement(str(found["status"]), found.get("decline_code")) if found else None
    if s is None:
        return row
    return await apply(rt, row["id"], s, found)


async def settle_due(rt: Runtime, bank: BankClient, interval: float, close_after: float) -> int:
    """One round of the settlement loop; returns how many payments were settled."""
    async with rt.reader() as session:
        due = await store.due_pending(session, datetime.now(UTC), limit=50)
    settled = 0
    for row in due:
        after = await settle_one(rt, bank, row, close_after)
        if after["status"] == Status.PENDING.value:
            await postpone(rt, row, interval)
        else:
            settled += 1
    return settled
