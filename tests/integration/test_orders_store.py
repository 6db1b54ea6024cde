"""Orders' store against a real SQLite database: the listing's filters and paging, the
saga's leases, and which orders the saga's driver picks up as due."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from mercado_contracts.states import CancelReason, OrderStatus
from mercado_orders.domain.orders import PricedLine
from mercado_orders.domain.record import Lease, OrderRecord
from mercado_orders.store import orders as store
from mercado_orders.store.tables import metadata
from tests.support.orders import order_record, stored_order

NOW = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
LATER = NOW + timedelta(seconds=30)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


def order(n: int, **changes: object) -> OrderRecord:
    """Order number ``n``, placed ``n`` seconds after NOW, due at NOW."""
    return order_record(
        NOW + timedelta(seconds=n),
        **{
            "id": f"5f0c3c1e-0000-4000-8000-{n:012d}",
            "idempotency_key": f"key-{n}",
            "next_attempt_at": NOW,
            "updated_at": NOW,
            **changes,
        },
    )


async def put(db: async_sessionmaker[AsyncSession], *orders: OrderRecord) -> None:
    async with db.begin() as session:
        for o in orders:
            lines = [
                PricedLine("p2", "TEE-2", "Tee", 2, 1000, "EUR"),
                PricedLine("p1", "MUG-1", "Mug", 1, 500, "EUR"),
            ]
            await store.insert_order(session, o, lines)


async def test_the_listing_filters_by_customer_and_status_newest_first_and_pages(
    db: async_sessionmaker[AsyncSession],
) -> None:
    await put(
        db,
        order(1),
        order(2, customer_email="b@example.com"),
        order(3, status=OrderStatus.CONFIRMED),
        order(4, customer_email="b@example.com", status=OrderStatus.CONFIRMED),
        order(5),
    )

    async def ids(customer: str | None, status: str | None, limit: int = 10, offset: int = 0):
        async with db() as session:
            found, total = await store.page(session, customer, status, limit, offset)
        return [int(o.id[-12:]) for o in found], total

    assert await ids(None, None) == ([5, 4, 3, 2, 1], 5)
    assert await ids("a@example.com", None) == ([5, 3, 1], 3)
    assert await ids(None, "CONFIRMED") == ([4, 3], 2)
    assert await ids("b@example.com", "CONFIRMED") == ([4], 1)
    assert await ids("c@example.com", None) == ([], 0)
    assert await ids(None, None, limit=2) == ([5, 4], 5)
    assert await ids(None, None, limit=2, offset=2) == ([3, 2], 5)
    assert await ids("a@example.com", None, limit=1, offset=2) == ([1], 3)


async def test_an_order_is_found_by_its_key_with_its_lines_in_order(
    db: async_sessionmaker[AsyncSession],
) -> None:
    await put(db, order(1), order(2))
    async with db() as session:
        found = await store.by_key(session, "key-2")
        missing = await store.by_key(session, "key-9")
        lines = await store.lines_of(session, [order(1).id, order(2).id])
        none = await store.lines_of(session, [])
    assert found == order(2) and missing is None
    assert [(ln.sku, ln.quantity, ln.unit_amount) for ln in lines[order(1).id]] == [
        ("TEE-2", 2, 1000),
        ("MUG-1", 1, 500),
    ]
    assert lines[order(1).id] == lines[order(2).id] and none == {}


async def test_a_lease_is_taken_only_when_free_expired_or_already_ours(
    db: async_sessionmaker[AsyncSession],
) -> None:
    await put(db, order(1), order(2))
    oid = order(1).id

    async def claim(owner: str, now: datetime, until: datetime) -> bool:
        async with db.begin() as session:
            return await store.claim(session, oid, owner, now, until)

    assert await claim("a", NOW, LATER)
    assert not await claim("b", NOW, LATER)  # a holds it
    assert await claim("a", NOW, LATER + timedelta(seconds=5))  # a renews its own
    assert not await claim("b", LATER, LATER)  # still a's until its end
    assert await claim("b", LATER + timedelta(seconds=6), LATER + timedelta(seconds=60))
    held = await stored_order(db, oid)
    assert (held.lease_owner, held.lease_until) == ("b", LATER + timedelta(seconds=60))
    other = await stored_order(db, order(2).id)  # each claim takes the one order it names
    assert (other.lease_owner, other.lease_until) == (None, None)


async def test_only_the_holder_gives_a_lease_back_and_attempts_change_only_when_given(
    db: async_sessionmaker[AsyncSession],
) -> None:
    await put(db, order(1, attempts=2), order(2))
    oid = order(1).id
    async with db.begin() as session:
        assert await store.claim(session, oid, "a", NOW, LATER)
        assert await store.claim(session, order(2).id, "a", NOW, LATER)  # a drives both
    async with db.begin() as session:
        await store.unlease(session, oid, "b", LATER, 7)  # not b's: nothing changes
    assert (await stored_order(db, oid)).lease_owner == "a"
    async with db.begin() as session:
        await store.unlease(session, oid, "a", LATER, None)
    back = await stored_order(db, oid)
    assert (back.lease_owner, back.lease_until, back.next_attempt_at, back.attempts) == (
        None,
        None,
        LATER,
        2,
    )
    other = await stored_order(db, order(2).id)  # a still drives the other one
    assert (other.lease_owner, other.lease_until, other.next_attempt_at) == ("a", LATER, NOW)
    async with db.begin() as session:
        assert await store.claim(session, oid, "a", NOW, LATER)
        await store.unlease(session, oid, "a", NOW, 3)
    assert (await stored_order(db, oid)).attempts == 3


async def test_due_orders_are_the_unfinished_ones_whose_time_has_come_and_lease_is_free(
    db: async_sessionmaker[AsyncSession],
) -> None:
    await put(
        db,
        order(1, next_attempt_at=NOW - timedelta(seconds=1)),  # due, free
        order(2, next_attempt_at=NOW + timedelta(seconds=1)),  # not yet
        order(3, status=OrderStatus.CONFIRMED),  # finished
        order(4, status=OrderStatus.CANCELLED),  # finished
        order(5, status=OrderStatus.CONFIRMED, cancel_requested=CancelReason.CUSTOMER_CANCELLED),
        order(6, lease_owner="x", lease_until=NOW + timedelta(seconds=5)),  # held
        order(7, lease_owner="x", lease_until=NOW - timedelta(seconds=5)),  # lease ran out
        order(8, status=OrderStatus.PAYMENT_PENDING, next_attempt_at=NOW - timedelta(seconds=9)),
        order(9, status=OrderStatus.RESERVED, next_attempt_at=NOW),  # due exactly now
    )

    async def due(limit: int) -> list[int]:
        async with db() as session:
            return [int(i[-12:]) for i in await store.due(session, NOW, limit)]

    found = await due(10)
    assert found[:2] == [8, 1]  # longest waiting first
    assert sorted(found) == [1, 5, 7, 8, 9]
    assert await due(2) == [8, 1]


async def test_orders_placed_at_the_same_instant_are_listed_in_one_order(
    db: async_sessionmaker[AsyncSession],
) -> None:
    """Pages must not overlap or skip: orders with equal times are ordered by id."""
    await put(db, *(order(n, created_at=NOW) for n in (3, 1, 2)))
    async with db() as session:
        first, _ = await store.page(session, None, None, 2, 0)
        rest, _ = await store.page(session, None, None, 2, 2)
    assert [int(o.id[-12:]) for o in first + rest] == [1, 2, 3]


async def test_a_change_writes_that_order_only_and_what_it_is_returned_as(
    db: async_sessionmaker[AsyncSession],
) -> None:
    """A versioned change names its order: another order at the same version is left as
    it was. What the change returns is what a fresh read gives, lease included."""
    await put(db, order(1), order(2))
    before = await stored_order(db, order(1).id)
    lease = Lease("a", LATER, 0)
    async with db.begin() as session:
        after = await store.change(session, before, before.reserved(), LATER, lease=lease)
    assert after is not None
    assert await stored_order(db, order(1).id) == after
    assert (after.status, after.version, after.lease_owner, after.lease_until) == (
        OrderStatus.RESERVED,
        1,
        "a",
        LATER,
    )
    other = await stored_order(db, order(2).id)
    assert (other.status, other.version, other.lease_owner) == (OrderStatus.PENDING, 0, None)
