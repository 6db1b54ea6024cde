"""The body of ``POST /orders``, as the gateway accepts it and orders takes it: a customer,
lines, and exactly one way to pay (a card, exchanged for the bank's token before the order is
accepted, or a card token)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from mercado_contracts.cards import CardIn, CardToken, luhn_valid
from mercado_contracts.ids import Email
from mercado_contracts.limits import MAX_LINE_QUANTITY, MAX_ORDER_LINES


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: Email


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: uuid.UUID
    quantity: StrictInt = Field(ge=1, le=MAX_LINE_QUANTITY)


class CardPayment(BaseModel):
    """Pay with a card: exchanged for the bank's token before the order is accepted, never
    stored or logged by orders; a number failing the Luhn check is refused at once."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    card: CardIn

    @field_validator("card")
    @classmethod
    def _luhn(cls, card: CardIn) -> CardIn:
        if not luhn_valid(card.number):
            raise ValueError("card number is not valid")
        return card


class TokenPayment(BaseModel):
    """Pay with a card token the bank gave earlier."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    card_token: CardToken


# Exactly one of the two shapes (each forbids the other's field).
PaymentIn = CardPayment | TokenPayment


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    customer: CustomerIn
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_ORDER_LINES)
    payment: PaymentIn
