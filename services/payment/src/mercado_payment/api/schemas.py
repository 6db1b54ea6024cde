"""Request and response bodies of the payment API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

MAX_AMOUNT = 100_000_000_000  # minor units
ORDER_ID_PATTERN = r"^[A-Za-z0-9._-]+$"


class Money(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: StrictInt = Field(gt=0, le=MAX_AMOUNT, description="minor units, e.g. cents")
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR")


class CardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=12, max_length=19, pattern=r"^[0-9]+$")
    exp_month: StrictInt = Field(ge=1, le=12)
    exp_year: StrictInt = Field(ge=2000, le=2100)
    cvc: str = Field(pattern=r"^[0-9]{3,4}$")

    def __repr__(self) -> str:  # never print the number or CVC by accident
        return f"CardIn(last4={self.number[-4:]})"


class CardTokenOut(BaseModel):
    card_token: str
    card_last4: str


class PaymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(min_length=1, max_length=64, pattern=ORDER_ID_PATTERN)
    amount: Money
    card: CardIn | None = None
    card_token: str | None = Field(default=None, pattern=r"^tok_[0-9a-f]{32}$")

    @model_validator(mode="after")
    def _one_payment_method(self) -> PaymentCreate:
        if (self.card is None) == (self.card_token is None):
            raise ValueError("give exactly one of card or card_token")
        return self


class MoneyOut(BaseModel):
    amount: int
    currency: str


class Payment(BaseModel):
    id: str
    order_id: str
    status: str
    decline_code: str | None
    amount: MoneyOut
    card_last4: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Payment:
        return cls(
            id=row["id"],
            order_id=row["order_id"],
            status=row["status"],
            decline_code=row["decline_code"],
            amount=MoneyOut(amount=row["amount"], currency=row["currency"]),
            card_last4=row["card_last4"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )
