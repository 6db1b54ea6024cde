"""Payment states, card checks and how a bank answer settles a payment (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    PENDING = "PENDING"  # the bank's answer is not known yet
    SUCCEEDED = "SUCCEEDED"
    DECLINED = "DECLINED"
    REFUNDED = "REFUNDED"


# Event type and metric outcome of each settled state.
EVENT_TYPES = {
    Status.SUCCEEDED: "payment.succeeded",
    Status.DECLINED: "payment.failed",
    Status.REFUNDED: "payment.refunded",
}

# A payment the bank never received and whose key was closed: nothing was charged.
PROCESSING_ERROR = "processing_error"


@dataclass(frozen=True)
class Settlement:
    status: Status
    decline_code: str | None


def bank_key(order_id: str) -> str:
    """The idempotency key every bank call for this order uses (derived, never random)."""
    return f"payment:{order_id}"


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        digit = int(ch)
        if i % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def settlement(bank_status: str, decline_code: str | None) -> Settlement | None:
    """What the bank's record of our key means for the payment (None: nothing yet)."""
    if bank_status in ("captured", "authorized"):
        return Settlement(Status.SUCCEEDED, None)
    if bank_status == "declined":
        return Settlement(Status.DECLINED, decline_code or "card_declined")
    if bank_status == "closed":
        return Settlement(Status.DECLINED, PROCESSING_ERROR)
    if bank_status == "refunded":
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
