"""Reservation rules: line normalisation, state transitions, low-stock crossings (no I/O)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from mercado_contracts.states import ReservationStatus

Status = ReservationStatus


FINAL = frozenset({Status.RELEASED, Status.EXPIRED})


@dataclass(frozen=True, order=True)
class Line:
    sku: str
    quantity: int


@dataclass(frozen=True)
class Reservation:
    """An order's reservation and its lines (one per SKU)."""

    order_id: str
    status: Status
    expires_at: datetime
    lines: list[Line]
    created: bool = False  # made by this request (not found from an earlier one)

    def moved_to(self, status: Status) -> Reservation:
        return replace(self, status=status)


class InvalidLines(ValueError):
    pass


def normalize_lines(lines: Iterable[tuple[str, int]]) -> list[Line]:
    """Merges repeated SKUs and sorts by SKU (a fixed lock order avoids deadlocks)."""
    totals: Counter[str] = Counter()
    for sku, quantity in lines:
        if quantity <= 0:
            raise InvalidLines(f"quantity for {sku} must be positive")
        totals[sku] += quantity
    if not totals:
        raise InvalidLines("at least one line is required")
    return sorted(Line(sku, qty) for sku, qty in totals.items())


def can_commit(status: Status) -> bool:
    return status in (Status.ACTIVE, Status.COMMITTED)


def crossed_below(before: int, after: int, threshold: int) -> bool:
    """True when available stock just fell below the low-stock threshold."""
    return before >= threshold > after
