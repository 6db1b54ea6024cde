"""What inventory tells the rest of the shop and its operators: a reservations counter per
outcome on /metrics, one stock.changed event per move carrying the levels a reader can
check, one low-stock alert per crossing of the threshold (none again on commit), a commit
or release that moves its own order's reservation only, stock pages in SKU order, and a
low-stock threshold set for one SKU only."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest

from mercado_contracts.events.inventory import LowStock, StockChanged
from tests.support.apps import ADMIN, ORDERS
from tests.support.events import announce_products, stream_events, wait_stocked
from tests.support.processes import NatsServer

pytestmark = pytest.mark.asyncio(loop_scope="session")

T = TypeVar("T")


async def _outcomes(client: httpx.AsyncClient) -> dict[str, float]:
    text = (await client.get("/metrics")).text
    counts: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith("mercado_reservations_total{"):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
            if labels.get("service_name") == "inventory":
                counts[labels["outcome"]] = float(line.rsplit(" ", 1)[1])
    return counts


async def _eventually(
    probe: Callable[[], Awaitable[T | None]], timeout: float = 30.0, what: str = "the events"
) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await probe()
        if found:
            return found
        await asyncio.sleep(0.2)
    raise TimeoutError(f"{what}: not seen in time")


async def _stocked(
    inventory: httpx.AsyncClient, nats: NatsServer, sku: str, units: int
) -> dict[str, Any]:
    """``sku`` announced by the catalog, known to inventory, ``units`` added by hand; the
    level the adjustment answered."""
    await announce_products(nats.url, sku)
    await wait_stocked(inventory, "", sku)
    r = await inventory.post(f"/stock/{sku}/adjustments", json={"delta": units}, headers=ADMIN)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _reserve(order_id: str, sku: str, quantity: int) -> dict:
    return {"order_id": order_id, "lines": [{"sku": sku, "quantity": quantity}]}


async def test_every_reservation_outcome_is_counted(
    inventory: httpx.AsyncClient, nats: NatsServer
) -> None:
    await _stocked(inventory, nats, "M-1", 5)
    before = await _outcomes(inventory)

    reserve = inventory.post("/reservations", json=_reserve("m-1", "M-1", 2), headers=ORDERS)
    assert (await reserve).status_code == 201
    too_many = inventory.post("/reservations", json=_reserve("m-2", "M-1", 9), headers=ORDERS)
    assert (await too_many).status_code == 409
    assert (await inventory.post("/reservations/m-1/commit", headers=ORDERS)).status_code == 200
    assert (await inventory.post("/reservations/m-1/release", headers=ORDERS)).status_code == 200

    after = await _outcomes(inventory)
    moved = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    assert {k: v for k, v in moved.items() if v} == {
        "reserved": 1,
        "out_of_stock": 1,
        "committed": 1,
        "released": 1,
    }


async def test_stock_events_carry_the_levels_and_alert_once_per_crossing(
    inventory: httpx.AsyncClient, nats: NatsServer
) -> None:
    assert (await _stocked(inventory, nats, "L-1", 10))["low_stock_threshold"] == 5
    # 10 -> 4 available crosses the threshold of 5; the commit moves nothing available.
    reserve = inventory.post("/reservations", json=_reserve("l-1", "L-1", 6), headers=ORDERS)
    assert (await reserve).status_code == 201
    assert (await inventory.post("/reservations/l-1/commit", headers=ORDERS)).status_code == 200

    async def published() -> list[dict[str, Any]] | None:
        events = [e for e in await stream_events(nats.url) if e.get("subject") == "L-1"]
        changes = [e for e in events if e["type"] == StockChanged.TYPE]
        return events if len(changes) >= 3 else None

    events = await _eventually(published)
    levels = [
        (e["data"]["available"], e["data"]["reserved"], e["data"]["sold"], e["data"]["version"])
        for e in events
        if e["type"] == StockChanged.TYPE
    ]
    # A new SKU's stock is version 0; each change counts one version up (consumers keep
    # the highest version they saw, so versions must never repeat nor skip back).
    assert levels == [(10, 0, 0, 1), (4, 6, 0, 2), (4, 0, 6, 3)]
    alerts = [e["data"] for e in events if e["type"] == LowStock.TYPE]
    assert alerts == [{"sku": "L-1", "available": 4, "threshold": 5}]


async def _status(client: httpx.AsyncClient, order_id: str) -> str:
    r = await client.get(f"/reservations/{order_id}", headers=ORDERS)
    assert r.status_code == 200, r.text
    return str(r.json()["status"])


async def test_a_commit_or_release_moves_that_order_only(
    inventory: httpx.AsyncClient, nats: NatsServer
) -> None:
    await _stocked(inventory, nats, "T-1", 9)
    for order_id in ("t-1", "t-2", "t-3"):
        r = await inventory.post("/reservations", json=_reserve(order_id, "T-1", 2), headers=ORDERS)
        assert r.status_code == 201, r.text

    assert (await inventory.post("/reservations/t-1/commit", headers=ORDERS)).status_code == 200
    assert (await inventory.post("/reservations/t-2/release", headers=ORDERS)).status_code == 200

    statuses = [await _status(inventory, o) for o in ("t-1", "t-2", "t-3")]
    assert statuses == ["COMMITTED", "RELEASED", "ACTIVE"]
    level = (await inventory.get("/stock/T-1")).json()
    assert (level["available"], level["reserved"], level["sold"]) == (5, 2, 2)


async def test_stock_pages_in_sku_order_with_the_full_total(
    inventory: httpx.AsyncClient, nats: NatsServer
) -> None:
    skus = ("P-3", "P-1", "P-4", "P-2")
    await announce_products(nats.url, *skus)
    await wait_stocked(inventory, "", *skus)
    query = [("sku", s) for s in skus]
    pages = []
    for offset in (0, 2):
        r = await inventory.get("/stock", params=[*query, ("limit", 2), ("offset", offset)])
        assert r.status_code == 200, r.text
        pages.append(r.json())
    assert [p["total"] for p in pages] == [4, 4]
    assert [[i["sku"] for i in p["items"]] for p in pages] == [["P-1", "P-2"], ["P-3", "P-4"]]
    none = await inventory.get("/stock", params=[("sku", "P-none")])
    assert none.json()["total"] == 0 and none.json()["items"] == []


async def test_an_admin_sets_one_skus_low_stock_threshold(
    inventory: httpx.AsyncClient, nats: NatsServer
) -> None:
    await announce_products(nats.url, "H-1", "H-2")
    await wait_stocked(inventory, "", "H-1", "H-2")
    r = await inventory.post(
        "/stock/H-1/adjustments", json={"low_stock_threshold": 2}, headers=ADMIN
    )
    assert r.status_code == 200 and r.json()["low_stock_threshold"] == 2, r.text
    h1 = (await inventory.get("/stock/H-1")).json()
    h2 = (await inventory.get("/stock/H-2")).json()
    assert (h1["low_stock_threshold"], h2["low_stock_threshold"]) == (2, 5)


async def test_expired_reservations_are_counted_each_once(
    inventory: httpx.AsyncClient, nats: NatsServer
) -> None:
    await _stocked(inventory, nats, "E-1", 6)
    before = await _outcomes(inventory)
    for order_id in ("e-1", "e-2", "e-3"):
        body = {**_reserve(order_id, "E-1", 2), "ttl_seconds": 1}
        assert (await inventory.post("/reservations", json=body, headers=ORDERS)).status_code == 201
    assert (await inventory.post("/reservations/e-2/commit", headers=ORDERS)).status_code == 200

    async def expired() -> list[str] | None:
        found = [await _status(inventory, o) for o in ("e-1", "e-3")]
        return found if found == ["EXPIRED", "EXPIRED"] else None

    await _eventually(expired, what="both unpaid reservations expired")
    after = await _outcomes(inventory)
    assert after.get("expired", 0) - before.get("expired", 0) == 2
    level = (await inventory.get("/stock/E-1")).json()
    assert (level["available"], level["reserved"], level["sold"]) == (4, 0, 2)


async def test_an_adjustment_that_takes_stock_below_the_threshold_alerts_once(
    inventory: httpx.AsyncClient, nats: NatsServer
) -> None:
    """Stock written off by hand (damaged, lost) counts like a sale: crossing below the
    threshold alerts once, and the level shows when it last changed."""
    stocked_at = (await _stocked(inventory, nats, "W-1", 10))["updated_at"]
    r = await inventory.post("/stock/W-1/adjustments", json={"delta": -6}, headers=ADMIN)
    assert r.status_code == 200 and r.json()["available"] == 4, r.text
    assert r.json()["updated_at"] > stocked_at

    async def alerted() -> list[dict[str, Any]] | None:
        events = [e for e in await stream_events(nats.url) if e.get("subject") == "W-1"]
        alerts = [e["data"] for e in events if e["type"] == LowStock.TYPE]
        return alerts or None

    assert await _eventually(alerted) == [{"sku": "W-1", "available": 4, "threshold": 5}]
