"""Request and response bodies of the orders API."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mercado_contracts.cards import CardIn, CardToken, luhn_valid
from mercado_contracts.ids import Email
from mercado_contracts.limits import MAX_LINE_QUANTITY, MAX_ORDER_LINES


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: Email


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: uuid.UUID
    quantity: int = Field(ge=1, le=MAX_LINE_QUANTITY)


class PaymentIn(BaseModel):
    """Card details are passed to payment once, never stored or logged by orders; orders
    refuses a number that fails the Luhn check before it accepts the order."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    card: CardIn | None = None
    card_token: CardToken | None = None

    @field_validator("card")
    @classmethod
    def _luhn(cls, card: CardIn | None) -> CardIn | None:
        if card is not None and not luhn_valid(card.number):
            raise ValueError("card number is not valid")
        return card

    @model_validator(mode="after")
    def _exactly_one(self) -> PaymentIn:
        if (self.card is None) == (self.card_token is None):
            raise ValueError("give either card or card_token")
        return self


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    customer: CustomerIn
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_ORDER_LINES)
    payment: PaymentIn
