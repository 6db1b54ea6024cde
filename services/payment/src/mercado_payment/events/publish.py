"""Events payment publishes: ``payment.succeeded``, ``payment.failed``, ``payment.refunded``
(NATS subjects ``mercado.payment.payment.<event>``), written to the outbox in the same
transaction as the state change."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mercado_contracts.events import PaymentFailed, PaymentRefunded, PaymentSucceeded
from mercado_contracts.events.payment import PaymentPayload
from mercado_contracts.money import Money
from mercado_payment.domain.payments import Status
from mercado_payment.domain.record import PaymentRecord
from mercado_toolkit.events.outbox import Outbox

# The event of each settled state.
EVENTS: dict[Status, type[PaymentPayload]] = {
    Status.SUCCEEDED: PaymentSucceeded,
    Status.DECLINED: PaymentFailed,
    Status.REFUNDED: PaymentRefunded,
}


def payment_payload(row: PaymentRecord) -> PaymentPayload:
    return EVENTS[row.status](
        payment_id=row.id,
        order_id=row.order_id,
        status=row.status,
        decline_code=row.decline_code,
        amount=Money(amount=row.amount, currency=row.currency),
        card_last4=row.card_last4,
    )


async def payment_event(outbox: Outbox, session: AsyncSession, row: PaymentRecord) -> None:
    await outbox.add(session, row.order_id, payment_payload(row))
