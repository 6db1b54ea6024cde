"""The stores of orders and payment against a real SQLite database: a move is written once
from the record it was made from, a stale record loses, and what the saga's lease holds is
written only when a move says so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import MetaData, update
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from mercado_contracts.states import CancelReason, OrderStatus, PaymentStatus
from mercado_orders.domain.orders import PricedLine
from mercado_orders.domain.record import Lease, MoveRefused, OrderRecord
from mercado_orders.store import orders as order_store
from mercado_orders.store.tables import metadata as orders_metadata
from mercado_payment.domain.payments import Settlement
from mercado_payment.domain.record import BankAnswer
from mercado_payment.store import payments as payment_store
from mercado_payment.store.tables import metadata as payments_metadata
from mercado_payment.store.tables import payments
from tests.support.orders import order_record, stored_order

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)


async def _sessions(
    path: Path, metadata: MetaData
) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    return engine, async_sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
async def orders_db(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine, sessions = await _sessions(tmp_path / "orders.db", orders_metadata)
    yield sessions
    await engine.dispose()


@pytest.fixture
async def payments_db(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine, sessions = await _sessions(tmp_path / "payment.db", payments_metadata)
    yield sessions
    await engine.dispose()


def _order() -> OrderRecord:
    return order_record(
        NOW,
        id="5f0c3c1e-0000-4000-8000-000000000001",
        idempotency_key="key-1",
        card_token="tok_" + "0" * 32,
    )


async def _placed(db: async_sessionmaker[AsyncSession]) -> OrderRecord:
    order = _order()
    async with db.begin() as session:
        await order_store.insert_order(
            session, order, [PricedLine("p1", "MUG-1", "Mug", 1, 2500, "EUR")]
        )
    return order


async def test_a_move_is_stored_once_and_a_stale_record_loses(
    orders_db: async_sessionmaker[AsyncSession],
) -> None:
    read = await _placed(orders_db)
    later = NOW + timedelta(seconds=1)
    async with orders_db.begin() as session:
        stored = await order_store.change(session, read, read.reserved(), later)
    async with orders_db.begin() as session:
        stale = await order_store.change(
            session, read, read.cancelled(CancelReason.OUT_OF_STOCK), later
        )
    assert stored is not None and stale is None
    assert await stored_order(orders_db, read.id) == stored
    assert (stored.status, stored.version, stored.updated_at) == (OrderStatus.RESERVED, 1, later)


async def test_the_lease_is_written_only_when_a_move_gives_it(
    orders_db: async_sessionmaker[AsyncSession],
) -> None:
    read = await _placed(orders_db)
    until = NOW + timedelta(seconds=30)
    async with orders_db.begin() as session:  # another driver leases it (no version bump)
        assert await order_store.claim(session, read.id, "other", NOW, until)
    asked = read.cancel_asked(CancelReason.CUSTOMER_CANCELLED)
    async with orders_db.begin() as session:
        await order_store.change(session, read, asked, NOW, next_attempt_at=NOW)
    after_cancel = await stored_order(orders_db, read.id)
    assert after_cancel.cancel_requested is CancelReason.CUSTOMER_CANCELLED
    assert (after_cancel.lease_owner, after_cancel.lease_until) == ("other", until)
    async with orders_db.begin() as session:
        await order_store.change(
            session, after_cancel, after_cancel, NOW, lease=Lease("me", until, 0)
        )
    assert (await stored_order(orders_db, read.id)).lease_owner == "me"


async def test_a_move_the_status_does_not_allow_writes_nothing(
    orders_db: async_sessionmaker[AsyncSession],
) -> None:
    read = await _placed(orders_db)
    with pytest.raises(MoveRefused):
        async with orders_db.begin() as session:
            await order_store.change(session, read, read.confirmed(), NOW)
    assert await stored_order(orders_db, read.id) == read


async def test_a_payment_settles_once_then_only_a_success_is_refunded(
    payments_db: async_sessionmaker[AsyncSession],
) -> None:
    async with payments_db.begin() as session:
        pending = await payment_store.create_pending(
            session, "order-1", 2500, "EUR", None, "tok_" + "1" * 32, "payment:order-1", 5.0
        )
    answer = BankAnswer("auth-1", "captured", None, "4242", None)
    succeeded = Settlement(PaymentStatus.SUCCEEDED, None)
    declined = Settlement(PaymentStatus.DECLINED, "card_declined")
    async with payments_db.begin() as session:
        first = await payment_store.settle(session, pending.id, succeeded, answer)
        second = await payment_store.settle(session, pending.id, declined, None)
        stored = await payment_store.by_id(session, pending.id)
    assert (first, second) == (True, False)
    assert stored is not None
    assert stored.updated_at > pending.updated_at  # the settlement is stamped
    assert replace(stored, updated_at=pending.updated_at) == replace(
        pending,
        status=PaymentStatus.SUCCEEDED,
        bank_authorization_id="auth-1",
        card_last4="4242",
    )
    async with payments_db.begin() as session:
        assert await payment_store.mark_refunded(session, pending.id)
        assert not await payment_store.mark_refunded(session, pending.id)
        refunded = await payment_store.by_id(session, pending.id)
    assert refunded is not None and refunded.status is PaymentStatus.REFUNDED


async def test_the_payment_ledger_filters_by_order_and_status_and_orders_ties_by_id(
    payments_db: async_sessionmaker[AsyncSession],
) -> None:
    made = []
    async with payments_db.begin() as session:
        for order in ("order-1", "order-2", "order-3"):
            made.append(
                await payment_store.create_pending(
                    session, order, 2500, "EUR", "4242", None, f"payment:{order}", 5.0
                )
            )
        await payment_store.settle(
            session, made[1].id, Settlement(PaymentStatus.DECLINED, "card_declined"), None
        )
        # The same instant for all three: the listing still has one order, by id.
        await session.execute(update(payments).values(created_at=NOW))

    async def ids(order: str | None, status: str | None, limit: int = 10, offset: int = 0):
        async with payments_db() as session:
            found, total = await payment_store.page(session, order, status, limit, offset)
        return [p.order_id for p in found], total

    by_id = [p.order_id for p in sorted(made, key=lambda p: p.id)]
    assert await ids(None, None) == (by_id, 3)
    assert await ids(None, None, limit=1, offset=1) == (by_id[1:2], 3)
    assert await ids("order-2", None) == (["order-2"], 1)
    assert await ids(None, "PENDING") == ([o for o in by_id if o != "order-2"], 2)
    assert await ids("order-2", "PENDING") == ([], 0)
