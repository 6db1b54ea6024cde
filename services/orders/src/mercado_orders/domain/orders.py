"""Order states, cancel reasons, totals and the request fingerprint (pure logic, no I/O)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

from mercado_contracts.states import CancelReason, OrderStatus, PaymentStatus

Status = OrderStatus
__all__ = ["CancelReason", "PaymentStatus", "Status"]


# A payment in one of these states will not change by itself any more.
SETTLED_PAYMENTS = frozenset(
    {PaymentStatus.SUCCEEDED, PaymentStatus.DECLINED, PaymentStatus.REFUNDED}
)


def is_final(status: Status, cancel_requested: str | None) -> bool:
    """No more work: cancelled, or confirmed with no cancellation asked for."""
    if status is Status.CANCELLED:
        return True
    return status is Status.CONFIRMED and cancel_requested is None


def may_hold_stock(status: Status) -> bool:
    """Whether inventory may hold a reservation for the order (a reserve call may have
    reached inventory even when the order is still PENDING)."""
    return status is not Status.CANCELLED


@dataclass(frozen=True)
class PricedLine:
    product_id: str
    sku: str
    name: str
    quantity: int
    unit_amount: int
    currency: str

    @property
    def total(self) -> int:
        return self.unit_amount * self.quantity


class MixedCurrency(ValueError):
    pass


def order_total(lines: Sequence[PricedLine]) -> tuple[int, str]:
    """Sum of the line totals; every line must be in the same currency."""
    currencies = {ln.currency for ln in lines}
    if len(currencies) != 1:
        raise MixedCurrency("all products of one order must be priced in the same currency")
    return sum(ln.total for ln in lines), currencies.pop()


class ReservationLine(TypedDict):
    """One line of a reservation as inventory takes it."""

    sku: str
    quantity: int


def reservation_lines(lines: Iterable[PricedLine]) -> list[ReservationLine]:
    """Lines as inventory wants them: one per SKU, quantities added."""
    totals: dict[str, int] = {}
    for ln in lines:
        totals[ln.sku] = totals.get(ln.sku, 0) + ln.quantity
    return [ReservationLine(sku=sku, quantity=qty) for sku, qty in sorted(totals.items())]


def fingerprint(request: Mapping[str, object]) -> str:
    """A stable digest of what a create request asks for, to tell a retry (same key, same
    body) from a reused key. Callers pass the request with secrets already reduced (no card
    number or CVC: only the last four digits and expiry)."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def backoff(attempts: int, base: float, cap: float) -> float:
    """Seconds to wait before the next try after ``attempts`` unsuccessful ones."""
    return float(min(cap, base * 2 ** min(attempts, 16)))
