"""A payment as payment stores it, the bank's answers it is settled from, and the moves its
status may make (pure logic)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from mercado_contracts.states import PaymentStatus

Status = PaymentStatus

# The status a payment may move to from each status: it settles once, and a success may be
# refunded later.
MOVES: Mapping[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.SUCCEEDED, Status.DECLINED, Status.REFUNDED}),
    Status.SUCCEEDED: frozenset({Status.REFUNDED}),
    Status.DECLINED: frozenset(),
    Status.REFUNDED: frozenset(),
}


class MoveRefused(ValueError):
    """A move the payment's status does not lead to."""


def check_move(before: Status, after: Status) -> None:
    if after not in MOVES[before]:
        raise MoveRefused(f"a payment cannot move from {before} to {after}")


def _text(body: Mapping[str, object], name: str) -> str | None:
    value = body.get(name)
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class BankAnswer:
    """An authorization as the bank shows it (what payment reads of it)."""

    id: str | None
    status: str  # as the bank said it; ``settlement`` tells what it means
    decline_code: str | None
    card_last4: str | None
    card_token: str | None

    @classmethod
    def from_body(cls, body: Mapping[str, object]) -> BankAnswer:
        return cls(
            id=_text(body, "id"),
            status=str(body.get("status")),
            decline_code=_text(body, "decline_code"),
            card_last4=_text(body, "card_last4"),
            card_token=_text(body, "card_token"),
        )


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """One row of the ``payments`` table (never a card number or CVC)."""

    id: str
    order_id: str
    status: Status
    decline_code: str | None
    amount: int
    currency: str
    card_last4: str | None
    card_token: str | None
    bank_key: str
    bank_authorization_id: str | None
    checks: int
    next_check_at: datetime
    created_at: datetime
    updated_at: datetime
