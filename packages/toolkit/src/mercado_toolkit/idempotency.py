"""The ``Idempotency-Key`` header: one check for the gateway and orders (the rule itself is
the contracts' one)."""

from __future__ import annotations

from mercado_contracts.errors import ErrorCode
from mercado_contracts.ids import (
    IDEMPOTENCY_KEY_PATTERN,
    MAX_IDEMPOTENCY_KEY,
    valid_idempotency_key,
)
from mercado_toolkit.errors import AppError

__all__ = ["IDEMPOTENCY_KEY_PATTERN", "idempotency_key"]


def idempotency_key(value: str | None) -> str:
    """The key, or a 400 saying what a key must be."""
    if value is None or not value.strip():
        raise AppError(
            400,
            ErrorCode.IDEMPOTENCY_KEY_REQUIRED,
            f"the Idempotency-Key header is required: a unique string of 1 to "
            f"{MAX_IDEMPOTENCY_KEY} characters per order, reused only to retry the same request",
        )
    if not valid_idempotency_key(value):
        raise AppError(
            400,
            ErrorCode.INVALID_IDEMPOTENCY_KEY,
            f"the Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII "
            "characters (no spaces)",
        )
    return value
