"""The last unit: two inventory processes on one database, many buyers at once.

Exactly one reservation wins, on SQLite and on PostgreSQL, and stock never goes negative.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.support.apps import ADMIN, ORDERS
from tests.support.events import announce_products, wait_stocked
from tests.support.processes import NatsServer, ServiceProcess

pytestmark = pytest.mark.asyncio(loop_scope="session")

BUYERS = 30


async def test_last_unit_has_exactly_one_winner(
    database_url: str, nats: NatsServer, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": database_url, "NATS_URL": nats.url}
    first = ServiceProcess("inventory", env, tmp_path).start()
    second = ServiceProcess("inventory", env, tmp_path).start()
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            await announce_products(nats.url, "LAST-1")
            await wait_stocked(http, first.url, "LAST-1")
            r = await http.post(
                f"{first.url}/stock/LAST-1/adjustments", json={"delta": 1}, headers=ADMIN
            )
            assert r.status_code == 200

            async def buy(i: int) -> int:
                target = first if i % 2 else second
                body = {"order_id": f"race-{i}", "lines": [{"sku": "LAST-1", "quantity": 1}]}
                resp = await http.post(f"{target.url}/reservations", json=body, headers=ORDERS)
                return resp.status_code

            statuses = await asyncio.gather(*(buy(i) for i in range(BUYERS)))
            level = (await http.get(f"{second.url}/stock/LAST-1")).json()
    finally:
        first.stop()
        second.stop()
    assert sorted(statuses) == [201] + [409] * (BUYERS - 1)
    assert (level["available"], level["reserved"], level["sold"]) == (0, 1, 0)
