"""A state change and its outbox event commit together or not at all (SQLite and
PostgreSQL): inventory's reservation fails after the stock was taken and the stock_changed
event written, and afterwards neither the stock change nor the event exists."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from mercado_inventory.app import create_app as create_inventory
from mercado_inventory.settings import InventorySettings
from mercado_inventory.store import reservations as reservation_store
from mercado_inventory.store.tables import outbox
from tests.support.apps import ADMIN, ORDERS, dev_settings, serve_in_process
from tests.support.events import announce_products, stream_events, wait_stocked
from tests.support.processes import NatsServer

pytestmark = pytest.mark.asyncio(loop_scope="session")

SKU = "ATOM-1"


@pytest.fixture
async def inventory(database_url: str, nats: NatsServer) -> AsyncIterator[httpx.AsyncClient]:
    settings = dev_settings(
        InventorySettings,
        "inventory",
        database_url=database_url,
        nats_url=nats.url,
        log_json=False,
        relay_interval_seconds=0.1,
    )
    async with serve_in_process(create_inventory(settings), "http://inventory") as client:
        await announce_products(nats.url, SKU)
        await wait_stocked(client, "", SKU)
        r = await client.post(f"/stock/{SKU}/adjustments", json={"delta": 5}, headers=ADMIN)
        assert r.status_code == 200, r.text
        yield client


async def outbox_events(database_url: str) -> list[dict[str, Any]]:
    """Every event inventory's outbox holds (published or not), read from its database."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(outbox.c.type, outbox.c.envelope))).all()
        return [{"type": t, **(e if isinstance(e, dict) else {})} for t, e in rows]
    finally:
        await engine.dispose()


async def stock_events(database_url: str) -> int:
    events = await outbox_events(database_url)
    return sum(1 for e in events if e["type"] == "stock_changed" and e["data"]["sku"] == SKU)


async def level(client: httpx.AsyncClient) -> tuple[int, int, int]:
    body = (await client.get(f"/stock/{SKU}")).json()
    return body["available"], body["reserved"], body["sold"]


def reserve(order_id: str, quantity: int = 2) -> dict[str, Any]:
    return {"order_id": order_id, "lines": [{"sku": SKU, "quantity": quantity}]}


async def test_a_reservation_failing_after_its_stock_write_leaves_no_change_and_no_event(
    inventory: httpx.AsyncClient,
    database_url: str,
    nats: NatsServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events_before = await stock_events(database_url)
    assert await level(inventory) == (5, 0, 0)

    async def fail(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away after the stock was taken")

    # The reservation row is written after the stock update and its stock_changed event.
    monkeypatch.setattr(reservation_store, "create", fail)
    with pytest.raises(RuntimeError, match="went away"):
        await inventory.post("/reservations", json=reserve("o-broken"), headers=ORDERS)
    monkeypatch.undo()

    assert await level(inventory) == (5, 0, 0)
    assert await stock_events(database_url) == events_before
    assert (await inventory.get("/reservations/o-broken", headers=ORDERS)).status_code == 404

    # The same request, nothing failing: the change and its one event commit together.
    r = await inventory.post("/reservations", json=reserve("o-fine"), headers=ORDERS)
    assert r.status_code == 201, r.text
    assert await level(inventory) == (3, 2, 0)
    assert await stock_events(database_url) == events_before + 1
    published = [
        e
        for e in await stream_events(nats.url, "mercado.inventory.stock_changed")
        if e["data"]["sku"] == SKU and e["data"]["available"] == 3
    ]
    assert len(published) <= 1  # the relay publishes it once (possibly not yet)


async def test_a_refused_line_after_a_taken_one_leaves_no_change_and_no_event(
    inventory: httpx.AsyncClient, database_url: str, nats: NatsServer
) -> None:
    """All or nothing across lines: the first line's stock and event are rolled back when
    the second line is refused."""
    await announce_products(nats.url, "ATOM-2")
    await wait_stocked(inventory, "", "ATOM-2")
    events_before = await stock_events(database_url)
    r = await inventory.post(
        "/reservations",
        json={
            "order_id": "o-two",
            "lines": [{"sku": SKU, "quantity": 2}, {"sku": "ATOM-2", "quantity": 1}],
        },
        headers=ORDERS,
    )
    assert (r.status_code, r.json()["error"]["code"]) == (409, "out_of_stock")
    assert await level(inventory) == (5, 0, 0)
    assert await stock_events(database_url) == events_before
