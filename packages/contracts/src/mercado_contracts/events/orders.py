"""Events orders publishes (``order.placed/confirmed/cancelled``): the order as the API
shows it, so a consumer (the e-mail to the customer) needs nothing else."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from mercado_contracts.events.base import EventPayload
from mercado_contracts.money import Money
from mercado_contracts.states import CancelReason, OrderStatus, PaymentStatus


class CustomerView(BaseModel):
    model_config = ConfigDict(frozen=True)

    email: str


class OrderLineView(BaseModel):
    model_config = ConfigDict(frozen=True)

    product_id: str
    sku: str
    name: str
    quantity: int
    unit_price: Money
    line_total: Money


class OrderPaymentView(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: PaymentStatus
    card_last4: str | None
    decline_code: str | None


class OrderView(BaseModel):
    """An order as clients see it. ``payment`` is null until orders asked for a charge."""

    model_config = ConfigDict(frozen=True)

    id: str
    status: OrderStatus
    cancel_reason: CancelReason | None
    customer: CustomerView
    lines: list[OrderLineView]
    total: Money
    payment: OrderPaymentView | None
    created_at: str  # ISO 8601, UTC, ``Z``
    updated_at: str


class OrderPayload(EventPayload, OrderView):
    SOURCE: ClassVar[str] = "orders"

    order_id: str


class OrderPlaced(OrderPayload):
    TYPE: ClassVar[str] = "order.placed"


class OrderConfirmed(OrderPayload):
    TYPE: ClassVar[str] = "order.confirmed"


class OrderCancelled(OrderPayload):
    TYPE: ClassVar[str] = "order.cancelled"
