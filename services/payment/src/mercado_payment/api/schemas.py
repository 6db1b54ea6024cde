"""Request and response bodies of the payment API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, model_validator

from mercado_contracts.cards import CardIn, CardToken
from mercado_contracts.ids import OrderRef
from mercado_contracts.money import Charge, Money
from mercado_contracts.states import PaymentStatus
from mercado_payment.domain.record import PaymentRecord


class CardTokenOut(BaseModel):
    card_token: str
    card_last4: str


class PaymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderRef
    amount: Charge
    card: CardIn | None = None
    card_token: CardToken | None = None

    @model_validator(mode="after")
    def _one_payment_method(self) -> PaymentCreate:
        if (self.card is None) == (self.card_token is None):
            raise ValueError("give exactly one of card or card_token")
        return self


class Payment(BaseModel):
    id: str
    order_id: str
    status: PaymentStatus
    decline_code: str | None
    amount: Money
    card_last4: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: PaymentRecord) -> Payment:
        return cls(
            id=row.id,
            order_id=row.order_id,
            status=row.status,
            decline_code=row.decline_code,
            amount=Money(amount=row.amount, currency=row.currency),
            card_last4=row.card_last4,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
