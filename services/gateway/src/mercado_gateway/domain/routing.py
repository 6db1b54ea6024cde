"""Pure rules of the gateway: what is forwarded to a backend and what a customer sees."""

from __future__ import annotations

import re
from enum import StrEnum

from mercado_contracts.ids import PUBLIC_ID_PATTERN
from mercado_contracts.states import FINAL_ORDER_STATUSES

# An id in a public path: letters, digits and dashes (UUIDs, ULIDs); never a path segment
# like ``..`` that could reach another backend route.
ID_PATTERN = PUBLIC_ID_PATTERN
# An order's access token as orders makes them (anything else cannot match one).
ORDER_TOKEN = re.compile(r"ord_[A-Za-z0-9_-]{43}")


class ProductSort(StrEnum):
    NAME = "name"
    NAME_DESC = "-name"
    PRICE = "price"
    PRICE_DESC = "-price"
    NEWEST = "newest"


def query_params(values: dict[str, object]) -> dict[str, str]:
    """The query string for a backend: unset values dropped, booleans spelt as JSON."""
    params: dict[str, str] = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            params[key] = "true" if value else "false"
        else:
            params[key] = str(value)
    return params


def public_status(backend_status: int) -> int:
    """The status a customer gets for a backend's reply.

    Replies pass through (the backends speak the same JSON error model), except a refusal
    of the gateway's own credentials (401/403): that is the shop's fault, not the
    customer's, so it becomes 502.
    """
    if backend_status in (401, 403):
        return 502
    return backend_status


def is_final(status: str) -> bool:
    return status in FINAL_ORDER_STATUSES
