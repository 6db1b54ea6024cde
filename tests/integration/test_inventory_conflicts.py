"""Inventory on PostgreSQL when two calls change one reservation at the same moment.

A commit and a release of the same reservation are held on the reservation's row (another
transaction locks it) until both have read it as ACTIVE and queue to update it, in a known
order; then the lock goes. The first wins; the second must refuse with 409 ``stock_conflict`` and a
message that says to retry, and change nothing: the stock is counted once. Then the loser's
retry sees the new state and does what that state allows.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.support.apps import ADMIN, ORDERS
from tests.support.events import announce_products, wait_stocked
from tests.support.postgres import PostgresServer
from tests.support.processes import NatsServer
from tests.support.shop import until

pytestmark = pytest.mark.asyncio(loop_scope="session")

_names = itertools.count()


@pytest.fixture
def database_url(postgres_server: PostgresServer) -> str:
    """PostgreSQL only: on SQLite a writer takes the whole database, so no two can interleave."""
    return postgres_server.create_database(f"conflicts{next(_names)}")


@pytest.fixture
async def rival(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url)
    yield engine
    await engine.dispose()


async def _level(inventory: httpx.AsyncClient, sku: str) -> tuple[int, int, int]:
    r = await inventory.get(f"/stock/{sku}")
    assert r.status_code == 200, r.text
    level = r.json()
    return level["available"], level["reserved"], level["sold"]


async def _waiting_for_locks(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )
        return int(found.scalar_one())


async def _one_after_the_other_on_a_held_row(
    inventory: httpx.AsyncClient, rival: AsyncEngine, order_id: str, calls: tuple[str, str]
) -> list[httpx.Response]:
    """Both calls read the reservation as ACTIVE and queue on its row, in this order."""
    async with rival.connect() as holder:
        await holder.execute(
            text("SELECT status FROM reservations WHERE order_id = :o FOR UPDATE"),
            {"o": order_id},
        )
        tasks = []
        for queued, call in enumerate(calls, start=1):
            path = f"/reservations/{order_id}/{call}"
            tasks.append(asyncio.create_task(inventory.post(path, headers=ORDERS)))

            async def queue_holds(n: int = queued) -> bool | None:
                return await _waiting_for_locks(rival) == n or None

            await until(queue_holds, 30, f"{call} to wait on the reservation's row")
        await holder.rollback()
    return [await t for t in tasks]


@pytest.mark.parametrize("calls", [("commit", "release"), ("release", "commit")])
async def test_a_commit_and_a_release_at_once_one_wins_the_other_is_told_to_retry(
    inventory: httpx.AsyncClient, nats: NatsServer, rival: AsyncEngine, calls: tuple[str, str]
) -> None:
    await announce_products(nats.url, "RACE-1")
    await wait_stocked(inventory, "", "RACE-1")
    r = await inventory.post("/stock/RACE-1/adjustments", json={"delta": 5}, headers=ADMIN)
    assert r.status_code == 200, r.text
    r = await inventory.post(
        "/reservations",
        json={"order_id": "o-race", "lines": [{"sku": "RACE-1", "quantity": 2}]},
        headers=ORDERS,
    )
    assert r.status_code == 201, r.text
    assert await _level(inventory, "RACE-1") == (3, 2, 0)

    won, lost = await _one_after_the_other_on_a_held_row(inventory, rival, "o-race", calls)

    assert (won.status_code, lost.status_code) == (200, 409), (won.text, lost.text)
    error = lost.json()["error"]
    assert (error["code"], error["message"]) == (
        "stock_conflict",
        "reservation changed concurrently; retry",
    )
    r = await inventory.get("/reservations/o-race", headers=ORDERS)
    assert r.status_code == 200
    if calls[0] == "commit":
        # Sold once; the release, retried, returns the sold units once.
        assert r.json()["status"] == "COMMITTED"
        assert await _level(inventory, "RACE-1") == (3, 0, 2)
        retried = await inventory.post("/reservations/o-race/release", headers=ORDERS)
        assert retried.status_code == 200 and retried.json()["status"] == "RELEASED"
    else:
        # Returned once; the commit, retried, is refused and says why.
        assert r.json()["status"] == "RELEASED"
        assert await _level(inventory, "RACE-1") == (5, 0, 0)
        retried = await inventory.post("/reservations/o-race/commit", headers=ORDERS)
        assert retried.status_code == 409
        assert retried.json()["error"]["code"] == "reservation_not_active"
        assert retried.json()["error"]["message"] == "reservation of o-race is RELEASED"
    assert await _level(inventory, "RACE-1") == (5, 0, 0)
