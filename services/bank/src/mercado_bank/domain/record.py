"""What the bank stores: card tokens and authorizations (pure data, never a card number or
CVC)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mercado_bank.domain.authorizations import APPROVED, Status
from mercado_bank.domain.cards import Rule


@dataclass(frozen=True, slots=True)
class StoredCard:
    """One row of ``cards``: what the bank needs to charge a card later."""

    token: str
    last4: str
    exp_month: int
    exp_year: int
    rule: Rule
    created_at: datetime


@dataclass(frozen=True, slots=True)
class AuthorizationRecord:
    """One row of ``authorizations``; a closed key has no amount, card or fingerprint."""

    id: str
    idempotency_key: str
    fingerprint: str | None
    reference: str | None
    amount: int | None
    currency: str | None
    status: Status
    decline_code: str | None
    card_token: str | None
    card_last4: str | None
    rule: Rule | None
    created_at: datetime
    updated_at: datetime

    @property
    def approved(self) -> bool:
        return self.status in APPROVED
