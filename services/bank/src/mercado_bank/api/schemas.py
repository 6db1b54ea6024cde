"""Request and response bodies of the bank API."""

from __future__ import annotations

from datetime import datetime

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    model_validator,
)

from mercado_bank.domain.record import AuthorizationRecord
from mercado_contracts.cards import CardIn, CardToken
from mercado_contracts.money import Charge, Money
from mercado_contracts.states import AuthorizationStatus

# The bank's own idempotency keys (payment derives them from the order: ``payment:<id>``).
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$"


class TokenizedCard(BaseModel):
    """A card the bank now knows by its token."""

    card_token: str
    last4: str
    exp_month: int
    exp_year: int


class AuthorizeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Charge
    card: CardIn | None = None
    card_token: CardToken | None = None
    capture: StrictBool = Field(default=True, description="capture at once (a sale)")
    reference: str | None = Field(default=None, max_length=128, description="caller's reference")

    @model_validator(mode="after")
    def _one_payment_method(self) -> AuthorizeRequest:
        if (self.card is None) == (self.card_token is None):
            raise ValueError("give exactly one of card or card_token")
        return self


class Authorization(BaseModel):
    id: str
    idempotency_key: str
    reference: str | None
    status: AuthorizationStatus
    approved: bool
    decline_code: str | None
    amount: Money | None
    card_token: str | None
    card_last4: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: AuthorizationRecord) -> Authorization:
        amount = None
        if row.amount is not None:
            amount = Money(amount=row.amount, currency=str(row.currency))
        return cls(
            id=row.id,
            idempotency_key=row.idempotency_key,
            reference=row.reference,
            status=row.status,
            approved=row.approved,
            decline_code=row.decline_code,
            amount=amount,
            card_token=row.card_token,
            card_last4=row.card_last4,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class CloseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str | None = Field(default=None, max_length=128)


class FaultsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latency_ms: StrictInt | None = Field(default=None, ge=0, le=600_000)
    failure_rate: StrictFloat | None = Field(default=None, ge=0.0, le=1.0)


class FaultsOut(BaseModel):
    latency_ms: int
    failure_rate: float
