"""States that one service reports and another acts on."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    PENDING = "PENDING"
    RESERVED = "RESERVED"
    PAYMENT_PENDING = "PAYMENT_PENDING"
    PAID = "PAID"
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


FINAL_ORDER_STATUSES = frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED})


class CancelReason(StrEnum):
    OUT_OF_STOCK = "out_of_stock"
    PAYMENT_DECLINED = "payment_declined"
    PAYMENT_UNAVAILABLE = "payment_unavailable"
    PAYMENT_REFUNDED = "payment_refunded"
    RESERVATION_EXPIRED = "reservation_expired"
    CUSTOMER_CANCELLED = "customer_cancelled"


class PaymentStatus(StrEnum):
    PENDING = "PENDING"  # the bank's answer is not known yet
    SUCCEEDED = "SUCCEEDED"
    DECLINED = "DECLINED"
    REFUNDED = "REFUNDED"


class ReservationStatus(StrEnum):
    ACTIVE = "ACTIVE"
    COMMITTED = "COMMITTED"
    RELEASED = "RELEASED"
    EXPIRED = "EXPIRED"


class AuthorizationStatus(StrEnum):
    """An authorization at the bank."""

    AUTHORIZED = "authorized"  # approved, funds held, not captured yet
    CAPTURED = "captured"  # approved and captured
    DECLINED = "declined"
    REFUNDED = "refunded"
    CLOSED = "closed"  # an idempotency key closed before any request used it: no charge
