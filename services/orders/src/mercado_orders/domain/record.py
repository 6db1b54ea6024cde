"""An order as orders stores it, and the changes the checkout saga makes to it (pure logic).

Every change is a method that returns the changed order; only the store writes it, with a
versioned update that refuses a move the order's state does not allow (``check_move``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from mercado_contracts.states import CancelReason, OrderStatus, PaymentStatus

Status = OrderStatus

# The status an order may move to from each status (staying is always allowed).
MOVES: Mapping[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.RESERVED, Status.CANCELLED}),
    Status.RESERVED: frozenset({Status.PAYMENT_PENDING, Status.PAID, Status.CANCELLED}),
    Status.PAYMENT_PENDING: frozenset({Status.PAID, Status.CANCELLED}),
    Status.PAID: frozenset({Status.CONFIRMED, Status.CANCELLED}),
    Status.CONFIRMED: frozenset({Status.CANCELLED}),  # refunded after confirmation
    Status.CANCELLED: frozenset(),
}


class MoveRefused(ValueError):
    """A change that would move an order to a status its status does not lead to."""


def check_move(before: Status, after: Status) -> None:
    if after != before and after not in MOVES[before]:
        raise MoveRefused(f"an order cannot move from {before} to {after}")


@dataclass(frozen=True, slots=True)
class Lease:
    """The driver that holds an order until ``until``, and its failed attempts so far."""

    owner: str
    until: datetime
    attempts: int


@dataclass(frozen=True, slots=True)
class PaymentSeen:
    """What orders keeps of a payment as payment shows it."""

    id: str
    status: str  # as payment said it; only a known PaymentStatus is recorded
    decline_code: str | None
    card_last4: str | None

    @classmethod
    def from_body(cls, body: Mapping[str, object]) -> PaymentSeen:
        decline, last4 = body.get("decline_code"), body.get("card_last4")
        return cls(
            id=str(body.get("id")),
            status=str(body.get("status")),
            decline_code=decline if isinstance(decline, str) else None,
            card_last4=last4 if isinstance(last4, str) else None,
        )


@dataclass(frozen=True, slots=True)
class OrderRecord:
    """One row of the ``orders`` table.

    ``attempts``, ``next_attempt_at`` and the lease say when and by whom the order is worked
    on; they change without a version bump (the saga's bookkeeping). Everything else changes
    only through the methods below and a versioned update.
    """

    id: str
    idempotency_key: str
    fingerprint: str
    status: Status
    cancel_reason: CancelReason | None
    cancel_requested: CancelReason | None
    customer_email: str
    total_amount: int
    currency: str
    card_last4: str | None
    card_token: str | None
    payment_id: str | None
    payment_status: PaymentStatus | None
    decline_code: str | None
    payment_attempt_at: datetime | None
    attempts: int
    next_attempt_at: datetime
    lease_owner: str | None
    lease_until: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime

    # --- the saga's moves ----------------------------------------------------------------
    def reserved(self) -> OrderRecord:
        return replace(self, status=Status.RESERVED)

    def payment_started(self, at: datetime) -> OrderRecord:
        return replace(self, status=Status.PAYMENT_PENDING, payment_attempt_at=at)

    def payment_retried(self, at: datetime) -> OrderRecord:
        """A new charge attempt: the grace period for its outcome counts from ``at``."""
        return replace(self, payment_attempt_at=at)

    def paid(self) -> OrderRecord:
        return replace(self, status=Status.PAID)

    def confirmed(self) -> OrderRecord:
        return replace(self, status=Status.CONFIRMED)

    def cancelled(self, reason: CancelReason | None) -> OrderRecord:
        """Final: the reason is the one asked for (or given), and no request is left open."""
        return replace(self, status=Status.CANCELLED, cancel_reason=reason, cancel_requested=None)

    def cancel_asked(self, reason: CancelReason) -> OrderRecord:
        """Asks for the order to be undone; a reason asked for earlier stays."""
        return replace(self, cancel_requested=self.cancel_requested or reason)

    def with_payment(self, seen: PaymentSeen, status: PaymentStatus) -> OrderRecord:
        return replace(
            self,
            payment_id=seen.id,
            payment_status=status,
            decline_code=seen.decline_code,
            card_last4=seen.card_last4 or self.card_last4,
        )

    def payment_refused(self, code: str) -> OrderRecord:
        """Payment refused the charge request itself: nothing was charged."""
        return replace(
            self,
            payment_status=PaymentStatus.DECLINED,
            decline_code=code,
            cancel_requested=CancelReason.PAYMENT_DECLINED,
        )

    # --- the store's bookkeeping ---------------------------------------------------------
    def stored(
        self,
        before: OrderRecord,
        now: datetime,
        lease: Lease | None = None,
        next_attempt_at: datetime | None = None,
    ) -> OrderRecord:
        """This order as a versioned update from ``before`` writes it: the one place where
        the version goes up, after the move is checked."""
        check_move(before.status, self.status)
        after = replace(self, version=before.version + 1, updated_at=now)
        if lease is not None:
            after = replace(
                after, lease_owner=lease.owner, lease_until=lease.until, attempts=lease.attempts
            )
        if next_attempt_at is not None:
            after = replace(after, next_attempt_at=next_attempt_at)
        return after
