"""Sizes that services agree on (a caller never sends what its callee refuses)."""

from __future__ import annotations

# An order: how many lines, and how many units of one product per line.
MAX_ORDER_LINES = 50
MAX_LINE_QUANTITY = 100
# A reservation in inventory: lines (one per SKU) and units per line. Orders merges an
# order's lines by SKU, so one SKU may carry every line's units.
MAX_RESERVATION_LINES = 100
MAX_RESERVATION_QUANTITY = 10_000
# Names shown to customers.
MAX_PRODUCT_NAME = 200
MAX_PRODUCT_DESCRIPTION = 4000
MAX_CATEGORY_NAME = 120
MAX_SLUG = 80
# E-mail addresses (RFC 5321's path limit).
MAX_EMAIL = 254
# A list endpoint's page offset (far beyond any real list; SQL integers stay in range).
MAX_OFFSET = 1_000_000_000

# Text fields: a name or a reason is one line without control characters; a description may
# hold tabs and line breaks but no other control character.
SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"
MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
