"""Payment states, card checks and how a bank answer settles a payment (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass

from mercado_contracts.errors import DeclineCode
from mercado_contracts.states import AuthorizationStatus, PaymentStatus

Status = PaymentStatus


# A payment the bank never received and whose key was closed: nothing was charged.
PROCESSING_ERROR = DeclineCode.PROCESSING_ERROR.value


@dataclass(frozen=True)
class Settlement:
    status: Status
    decline_code: str | None


def bank_key(order_id: str) -> str:
    """The idempotency key every bank call for this order uses (derived, never random)."""
    return f"payment:{order_id}"


def settlement(bank_status: str, decline_code: str | None) -> Settlement | None:
    """What the bank's record of our key means for the payment (None: nothing yet)."""
    if bank_status in (AuthorizationStatus.CAPTURED, AuthorizationStatus.AUTHORIZED):
        return Settlement(Status.SUCCEEDED, None)
    if bank_status == AuthorizationStatus.DECLINED:
        return Settlement(Status.DECLINED, decline_code or DeclineCode.CARD_DECLINED.value)
    if bank_status == AuthorizationStatus.CLOSED:
        return Settlement(Status.DECLINED, PROCESSING_ERROR)
    if bank_status == AuthorizationStatus.REFUNDED:
        return Settlement(Status.REFUNDED, None)
    return None


def metric_outcome(s: Settlement) -> str:
    if s.status is Status.DECLINED:
        return "failed" if s.decline_code == PROCESSING_ERROR else "declined"
    return s.status.value.lower()


class RefundRefused(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_refundable(status: Status) -> bool:
    """True when the bank must refund; False when already refunded; raises otherwise."""
    if status is Status.SUCCEEDED:
        return True
    if status is Status.REFUNDED:
        return False
    if status is Status.PENDING:
        raise RefundRefused(
            "payment_pending", "the payment's outcome is not known yet; refund it once settled"
        )
    raise RefundRefused("payment_not_refundable", "a declined payment charged nothing to refund")


def next_check_delay(interval: float, checks: int, cap: float = 30.0) -> float:
    """Back-off between two asks to the bank about one pending payment."""
    return float(min(interval * 2 ** min(checks, 10), cap))
