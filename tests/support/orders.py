"""Orders as orders' store holds them, for tests that write one directly."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mercado_contracts.states import OrderStatus
from mercado_orders.domain.record import OrderRecord
from mercado_orders.store import orders as store


def order_record(at: datetime, **changes: object) -> OrderRecord:
    """A PENDING order of 25.00 EUR placed at ``at`` (due then, no lease, no payment yet);
    ``changes`` replace any field."""
    base = OrderRecord(
        id=str(uuid.uuid4()),
        idempotency_key=str(uuid.uuid4()),
        fingerprint="f" * 64,
        status=OrderStatus.PENDING,
        cancel_reason=None,
        cancel_requested=None,
        customer_email="a@example.com",
        total_amount=2500,
        currency="EUR",
        card_last4="4242",
        card_token=None,
        payment_id=None,
        payment_status=None,
        decline_code=None,
        payment_attempt_at=None,
        attempts=0,
        next_attempt_at=at,
        lease_owner=None,
        lease_until=None,
        version=0,
        created_at=at,
        updated_at=at,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def stored_order(db: async_sessionmaker[AsyncSession], order_id: str) -> OrderRecord:
    """The order as orders' database holds it now (it must exist)."""
    async with db() as session:
        found = await store.get(session, order_id)
    assert found is not None, order_id
    return found
