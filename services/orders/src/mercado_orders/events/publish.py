"""Events orders publishes (``mercado.orders.order.<x>``), written in the same transaction as
the state change. Their data is the order as the API shows it, so a consumer (the e-mail to
the customer) needs nothing else."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from mercado_orders.domain.orders import PricedLine
from mercado_orders.domain.views import order_view
from mercado_toolkit.events.outbox import Outbox

PLACED = "order.placed"
CONFIRMED = "order.confirmed"
CANCELLED = "order.cancelled"


async def order_event(
    outbox: Outbox,
    session: AsyncSession,
    event_type: str,
    row: dict[str, Any],
    lines: Sequence[PricedLine],
) -> None:
    data = order_view(row, lines)
    data["order_id"] = row["id"]
    await outbox.add(session, event_type, row["id"], data)
