"""What every saga step works with, and the one way a step changes an order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from mercado_contracts.states import FINAL_ORDER_STATUSES
from mercado_orders.clients.services import Dependencies
from mercado_orders.domain.orders import PricedLine, Status
from mercado_orders.domain.record import Lease, OrderRecord
from mercado_orders.events.publish import OrderEvent, order_event
from mercado_orders.settings import OrdersSettings
from mercado_orders.store import orders as store
from mercado_toolkit.metrics import ORDERS_FINAL, REVENUE
from mercado_toolkit.runtime import Runtime


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
    written: dict[str, OrderRecord | None] = field(default_factory=dict)

    def lease_until(self, now: datetime) -> datetime:
        return now + timedelta(seconds=self.settings.lease_seconds)

    async def transition(
        self,
        row: OrderRecord,
        new: OrderRecord,
        lines: Sequence[PricedLine],
        *,
        event: OrderEvent | None = None,
        keep_attempts: bool = False,
    ) -> OrderRecord | None:
        """Stores ``new`` (a change made from ``row``) and writes its event in one transaction,
        unless the order changed since ``row`` was read: then None, and the caller re-reads
        and decides again. Returns the order as stored."""
        now = utcnow()
        lease = Lease(self.owner, self.lease_until(now), row.attempts if keep_attempts else 0)
        async with self.rt.transaction() as session:
            stored = await store.change(session, row, new, now, lease=lease)
            if stored is None:
                return None
            if event is not None:
                await order_event(self.rt.outbox, session, event, stored, lines)
        if row.id in self.written:
            self.written[row.id] = stored
        if stored.status != row.status and stored.status in FINAL_ORDER_STATUSES:
            reason = stored.cancel_reason or ""
            ORDERS_FINAL.labels("orders", str(stored.status), str(reason)).inc()
        if stored.status != row.status and stored.status is Status.CONFIRMED:
            REVENUE.labels("orders", row.currency).inc(row.total_amount)
        return stored
