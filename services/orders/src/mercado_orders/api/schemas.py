"""Request and response bodies of the orders API (the request body is the contracts')."""

from __future__ import annotations

from pydantic import Field

from mercado_contracts.checkout import (
    CardPayment,
    CustomerIn,
    LineIn,
    OrderCreate,
    PaymentIn,
    TokenPayment,
)
from mercado_contracts.events.orders import OrderView

__all__ = [
    "CardPayment",
    "CustomerIn",
    "LineIn",
    "OrderCreate",
    "PaymentIn",
    "PlacedOrder",
    "TokenPayment",
]


class PlacedOrder(OrderView):
    """The answer to ``POST /orders``: the order and the token that reads or cancels it."""

    access_token: str = Field(
        description="give it as the Order-Token header to read or cancel this order"
    )
