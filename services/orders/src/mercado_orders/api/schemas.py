"""Request and response bodies of the orders API."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from mercado_orders.domain.cards import last4, luhn_valid
from mercado_toolkit.bounds import Email

# What payment and the bank accept as a card token.
CARD_TOKEN_PATTERN = r"^tok_[0-9a-f]{32}$"


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: Email


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: uuid.UUID
    quantity: StrictInt = Field(ge=1, le=100)


class CardIn(BaseModel):
    """Card details: passed to payment once, never stored or logged by orders."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    number: str = Field(pattern=r"^[0-9]{12,19}$")
    exp_month: StrictInt = Field(ge=1, le=12)
    exp_year: StrictInt = Field(ge=2000, le=2100)
    cvc: str = Field(pattern=r"^[0-9]{3,4}$")

    @field_validator("number")
    @classmethod
    def _luhn(cls, value: str) -> str:
        if not luhn_valid(value):
            raise ValueError("card number is not valid")
        return value

    def __repr__(self) -> str:
        return f"CardIn(last4={last4(self.number)})"


class CardPayment(BaseModel):
    """Pay with a card: exchanged for the bank's token before the order is accepted."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    card: CardIn


class TokenPayment(BaseModel):
    """Pay with a card token the bank gave earlier."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    card_token: str = Field(pattern=CARD_TOKEN_PATTERN, description="a card token from the bank")


# Exactly one of the two shapes (each forbids the other's field).
PaymentIn = CardPayment | TokenPayment


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    customer: CustomerIn
    lines: list[LineIn] = Field(min_length=1, max_length=50)
    payment: PaymentIn


class Money(BaseModel):
    amount: int
    currency: str


class CustomerOut(BaseModel):
    email: str


class LineOut(BaseModel):
    product_id: str
    sku: str
    name: str
    quantity: int
    unit_price: Money
    line_total: Money


class PaymentOut(BaseModel):
    status: str
    card_last4: str | None
    decline_code: str | None


class Order(BaseModel):
    id: str
    status: str
    cancel_reason: str | None
    customer: CustomerOut
    lines: list[LineOut]
    total: Money
    payment: PaymentOut | None
    created_at: str
    updated_at: str

    @classmethod
    def from_view(cls, view: dict[str, Any]) -> Order:
        return cls.model_validate(view)


class PlacedOrder(Order):
    access_token: str = Field(
        description="give it as the Order-Token header to read or cancel this order"
    )
