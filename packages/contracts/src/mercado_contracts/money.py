"""Money: an integer amount in minor units with an ISO 4217 currency, never a float."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from mercado_contracts.limits import MAX_LINE_QUANTITY, MAX_ORDER_LINES

CURRENCY_PATTERN = r"^[A-Z]{3}$"
Currency = Annotated[str, Field(pattern=CURRENCY_PATTERN, description="ISO 4217 code, e.g. EUR")]

# The most one charge may take (minor units); payment and the bank refuse more.
MAX_AMOUNT = 100_000_000_000
# The most a product may cost. Chosen so that the largest order the orders API accepts
# (every line at its largest quantity) still is a charge payment accepts.
MAX_UNIT_PRICE = MAX_AMOUNT // (MAX_ORDER_LINES * MAX_LINE_QUANTITY)
# The least a product may cost: payment refuses a zero charge, so nothing is free.
MIN_UNIT_PRICE = 1


class Money(BaseModel):
    """An amount as a response or event shows it (no bounds: sums and refunds)."""

    model_config = ConfigDict(frozen=True)

    amount: int = Field(description="minor units, e.g. cents")
    currency: str = Field(description="ISO 4217 code")


class Charge(BaseModel):
    """An amount to charge: positive and at most :data:`MAX_AMOUNT`."""

    model_config = ConfigDict(extra="forbid")

    amount: StrictInt = Field(gt=0, le=MAX_AMOUNT, description="minor units, e.g. cents")
    currency: Currency


class Price(BaseModel):
    """A product's price: every price is one that payment can charge."""

    model_config = ConfigDict(extra="forbid")

    amount: StrictInt = Field(
        ge=MIN_UNIT_PRICE, le=MAX_UNIT_PRICE, description="minor units (cents)"
    )
    currency: Currency
