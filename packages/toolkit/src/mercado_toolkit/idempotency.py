"""The ``Idempotency-Key`` header: one rule for the gateway and orders."""

from __future__ import annotations

import re

from mercado_toolkit.errors import AppError

# Visible ASCII, as the IETF draft on the header expects.
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"
_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)


def idempotency_key(value: str | None) -> str:
    """The key, or a 400 saying what a key must be."""
    if value is None or not value.strip():
        raise AppError(
            400,
            "idempotency_key_required",
            "the Idempotency-Key header is required: a unique string of 1 to 200 "
            "characters per order, reused only to retry the same request",
        )
    if not _KEY.fullmatch(value):
        raise AppError(
            400,
            "invalid_idempotency_key",
            "the Idempotency-Key header must be 1 to 200 visible ASCII characters",
        )
    return value
