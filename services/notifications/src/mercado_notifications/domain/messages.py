"""What a notification says and to whom (pure logic, no I/O)."""

from __future__ import annotations

from enum import StrEnum

# ISO 4217 currencies without minor units (amounts are already whole units).
_ZERO_DECIMAL = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
_THREE_DECIMAL = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})


class Kind(StrEnum):
    ORDER_CONFIRMED = "order_confirmed"
    ORDER_CANCELLED = "order_cancelled"
    LOW_STOCK = "low_stock"


CHANNEL = "email"

_KINDS = {
    "order.confirmed": Kind.ORDER_CONFIRMED,
    "order.cancelled": Kind.ORDER_CANCELLED,
    "low_stock": Kind.LOW_STOCK,
}

_REASONS = {
    "out_of_stock": "some items were no longer in stock",
    "payment_declined": "the payment was declined",
    "payment_unavailable": "the payment could not be completed",
    "payment_refunded": "the payment was refunded",
    "reservation_expired": "the items could not be held for the order any longer",
    "customer_cancelled": "you cancelled it",
}


class UnknownEvent(ValueError):
    pass


def kind_of(event_type: str) -> Kind:
    try:
        return _KINDS[event_type]
    except KeyError:
        raise UnknownEvent(f"no notification for events of type {event_type}") from None


def format_money(amount: int, currency: str) -> str:
    """``1999, EUR`` -> ``19.99 EUR`` (minor units by currency)."""
    digits = 0 if currency in _ZERO_DECIMAL else 3 if currency in _THREE_DECIMAL else 2
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**digits)
    text = f"{whole:,}" if digits == 0 else f"{whole:,}.{frac:0{digits}d}"
    return f"{sign}{text} {currency}"


def reason_text(reason: str | None) -> str:
    if not reason:
        return "the order could not be completed"
    return _REASONS.get(reason, reason.replace("_", " "))


def message_id(event_id: str, domain: str) -> str:
    """One Message-ID per event: a mail repeated after a crash is recognisably the same."""
    return f"<{event_id}@{domain}>"


def order_recipient(email: str) -> str:
    if "@" not in email:
        raise ValueError("order event without a customer e-mail address")
    return email.strip().lower()
