"""Events payment publishes: ``payment.succeeded``, ``payment.failed``, ``payment.refunded``."""

from __future__ import annotations

from typing import ClassVar

from mercado_contracts.events.base import EventPayload
from mercado_contracts.money import Money
from mercado_contracts.states import PaymentStatus


class PaymentPayload(EventPayload):
    SOURCE: ClassVar[str] = "payment"

    payment_id: str
    order_id: str
    status: PaymentStatus
    decline_code: str | None
    amount: Money
    card_last4: str | None


class PaymentSucceeded(PaymentPayload):
    TYPE: ClassVar[str] = "payment.succeeded"


class PaymentFailed(PaymentPayload):
    TYPE: ClassVar[str] = "payment.failed"


class PaymentRefunded(PaymentPayload):
    TYPE: ClassVar[str] = "payment.refunded"
