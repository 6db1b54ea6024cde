"""Events orders publishes (``mercado.orders.order.<x>``), written in the same transaction as
the state change. Their data is the order as the API shows it, so a consumer (the e-mail to
the customer) needs nothing else."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from mercado_contracts.events import OrderCancelled, OrderConfirmed, OrderPlaced
from mercado_contracts.events.orders import OrderPayload
from mercado_orders.domain.orders import PricedLine
from mercado_orders.domain.record import OrderRecord
from mercado_orders.domain.views import order_view
from mercado_toolkit.events.outbox import Outbox

OrderEvent = type[OrderPayload]
PLACED: OrderEvent = OrderPlaced
CONFIRMED: OrderEvent = OrderConfirmed
CANCELLED: OrderEvent = OrderCancelled


async def order_event(
    outbox: Outbox,
    session: AsyncSession,
    event: OrderEvent,
    row: OrderRecord,
    lines: Sequence[PricedLine],
) -> None:
    view = order_view(row, lines)
    payload = event.model_validate({**view.model_dump(), "order_id": row.id})
    await outbox.add(session, row.id, payload)
