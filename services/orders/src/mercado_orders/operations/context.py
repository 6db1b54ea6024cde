"""What every saga step works with, and the one way a step changes an order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from mercado_orders.clients.services import Dependencies
from mercado_orders.domain.orders import PricedLine, Status
from mercado_orders.events.publish import OrderEvent, order_event
from mercado_orders.settings import OrdersSettings
from mercado_orders.store import orders as store
from mercado_toolkit.metrics import ORDERS_FINAL, REVENUE
from mercado_toolkit.runtime import Runtime

Row = dict[str, Any]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Next:
    """What the driver does after a step: go on now, or come back after ``wait`` seconds."""

    wait: float | None = None


CONTINUE = Next()


def wait(seconds: float) -> Next:
    return Next(max(0.0, seconds))


@dataclass
class SagaContext:
    rt: Runtime
    settings: OrdersSettings
    deps: Dependencies
    owner: str = field(default_factory=lambda: str(uuid.uuid4()))
    # The row each driven order has after this process's last change to it (the driver
    # registers an order with ``None``), so the next step need not read it back.
    written: dict[str, Row | None] = field(default_factory=dict)

    def lease_until(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.settings.lease_seconds)

    async def transition(
        self,
        row: Row,
        lines: Sequence[PricedLine],
        *,
        event: OrderEvent | None = None,
        **values: Any,
    ) -> bool:
        """Changes the order (and writes its event) in one transaction, unless it changed
        since ``row`` was read; then the caller re-reads and decides again."""
        now = utcnow()
        values.setdefault("attempts", 0)
        values.update(lease_owner=self.owner, lease_until=self.lease_until(now))
        async with self.rt.transaction() as session:
            if not await store.change(session, row, now, **values):
                return False
            if event is not None:
                new = {**row, **values, "updated_at": now}
                await order_event(self.rt.outbox, session, event, new, lines)
        if row["id"] in self.written:
            self.written[row["id"]] = {
                **row,
                **values,
                "version": row["version"] + 1,
                "updated_at": now,
            }
        status = values.get("status")
        if status in (Status.CONFIRMED, Status.CANCELLED):
            ORDERS_FINAL.labels("orders", str(status), values.get("cancel_reason") or "").inc()
        if status == Status.CONFIRMED:
            REVENUE.labels("orders", row["currency"]).inc(row["total_amount"])
        return True
