"""Error codes one service answers and another acts on (``{"error": {"code": ...}}``)."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # Any service.
    VALIDATION_ERROR = "validation_error"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    DEPENDENCY_UNAVAILABLE = "dependency_unavailable"
    # orders
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
    INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    ORDER_NOT_FOUND = "order_not_found"
    ORDER_NOT_CANCELLABLE = "order_not_cancellable"
    MIXED_CURRENCY = "mixed_currency"
    # catalog
    PRODUCT_NOT_FOUND = "product_not_found"
    # inventory
    OUT_OF_STOCK = "out_of_stock"
    UNKNOWN_SKU = "unknown_sku"
    STOCK_CONFLICT = "stock_conflict"
    RESERVATION_NOT_FOUND = "reservation_not_found"
    RESERVATION_NOT_ACTIVE = "reservation_not_active"
    # payment and bank
    PAYMENT_NOT_FOUND = "payment_not_found"
    INVALID_CARD_NUMBER = "invalid_card_number"
    UNKNOWN_CARD_TOKEN = "unknown_card_token"  # noqa: S105 (an error code)
    PAYMENT_PENDING = "payment_pending"
    PAYMENT_NOT_REFUNDABLE = "payment_not_refundable"
    BANK_REFUSED = "bank_refused"
    BANK_UNAVAILABLE = "bank_unavailable"
    AUTHORIZATION_NOT_FOUND = "authorization_not_found"
    NOT_CAPTURABLE = "not_capturable"
    NOT_REFUNDABLE = "not_refundable"


# Inventory cannot reserve these lines: the order is cancelled as out of stock.
RESERVATION_REFUSED = frozenset({ErrorCode.OUT_OF_STOCK, ErrorCode.UNKNOWN_SKU})
# Inventory holds no active reservation for the order any more.
RESERVATION_GONE = frozenset({ErrorCode.RESERVATION_NOT_ACTIVE, ErrorCode.RESERVATION_NOT_FOUND})


class DeclineCode(StrEnum):
    """Why a payment was declined (the bank's codes, and payment's own)."""

    CARD_DECLINED = "card_declined"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    EXPIRED_CARD = "expired_card"
    # A payment the bank never received and whose key was closed: nothing was charged.
    PROCESSING_ERROR = "processing_error"
