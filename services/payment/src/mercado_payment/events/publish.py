"""Events payment publishes: ``payment.succeeded``, ``payment.failed``, ``payment.refunded``
(NATS subjects ``mercado.payment.payment.<event>``), written to the outbox in the same
transaction as the state change."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mercado_payment.domain.payments import EVENT_TYPES, Status
from mercado_toolkit.events.outbox import Outbox


def payment_payload(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "payment_id": row["id"],
        "order_id": row["order_id"],
        "status": row["status"],
        "decline_code": row["decline_code"],
        "amount": {"amount": row["amount"], "currency": row["currency"]},
        "card_last4": row["card_last4"],
    }


async def payment_event(outbox: Outbox, session: AsyncSession, row: dict[str, Any]) -> None:
    event_type = EVENT_TYPES[Status(row["status"])]
    await outbox.add(session, event_type, row["order_id"], payment_payload(row))
