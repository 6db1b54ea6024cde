"""The public shape of an order, shared by the API and the order events (pure logic)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from mercado_contracts.events.orders import (
    CustomerView,
    OrderLineView,
    OrderPaymentView,
    OrderView,
)
from mercado_contracts.money import Money
from mercado_contracts.states import PaymentStatus
from mercado_orders.domain.orders import PricedLine
from mercado_orders.domain.record import OrderRecord


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def order_view(row: OrderRecord, lines: Sequence[PricedLine]) -> OrderView:
    """The order as clients see it. ``payment`` is null until orders has asked payment for
    a charge."""
    payment = None
    if row.payment_attempt_at is not None or row.payment_status is not None:
        payment = OrderPaymentView(
            status=row.payment_status or PaymentStatus.PENDING,
            card_last4=row.card_last4,
            decline_code=row.decline_code,
        )
    return OrderView(
        id=row.id,
        status=row.status,
        cancel_reason=row.cancel_reason,
        customer=CustomerView(email=row.customer_email),
        lines=[
            OrderLineView(
                product_id=ln.product_id,
                sku=ln.sku,
                name=ln.name,
                quantity=ln.quantity,
                unit_price=Money(amount=ln.unit_amount, currency=ln.currency),
                line_total=Money(amount=ln.total, currency=ln.currency),
            )
            for ln in lines
        ],
        total=Money(amount=row.total_amount, currency=row.currency),
        payment=payment,
        created_at=_iso(row.created_at),
        updated_at=_iso(row.updated_at),
    )
