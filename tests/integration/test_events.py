"""Events: published exactly once through NATS outages, consumed once when redelivered,
dead-lettered when they keep failing, and inventory's stock shown on catalog's products."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import nats as nats_client
import pytest
from sqlalchemy import update

from mercado_catalog.app import create_app as create_catalog
from mercado_catalog.settings import CatalogSettings
from mercado_catalog.store.tables import outbox
from mercado_inventory.app import create_app as create_inventory
from mercado_inventory.settings import InventorySettings
from tests.support.apps import ADMIN, ORDERS, dev_settings, serve_in_process
from tests.support.events import stream_events
from tests.support.processes import NatsServer

pytestmark = pytest.mark.asyncio(loop_scope="session")

PRODUCT = {
    "sku": "EV-001",
    "name": "Lamp",
    "category": "home",
    "price": {"amount": 1500, "currency": "EUR"},
}


@asynccontextmanager
async def catalog_app(
    db: str, nats: NatsServer, relay_interval: float = 0.1, **extra
) -> AsyncIterator[tuple]:
    app = create_catalog(
        dev_settings(
            CatalogSettings,
            "catalog",
            database_url=db,
            nats_url=nats.url,
            log_json=False,
            relay_interval_seconds=relay_interval,
            **extra,
        )
    )
    async with serve_in_process(app, "http://catalog") as client:
        yield client, app


async def _eventually(check, timeout: float = 30.0):
    for _ in range(int(timeout / 0.1)):
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.1)
    return await check()


async def _created(nats_url: str, product_id: str) -> list:
    """The stream's ``product.created`` events about ``product_id``."""
    events = await stream_events(nats_url, "mercado.catalog.product.created")
    return [e for e in events if e["subject"] == product_id]


async def test_event_published_once_when_nats_is_down_at_commit(
    nats: NatsServer, tmp_path: Path
) -> None:
    async with catalog_app(f"sqlite+aiosqlite:///{tmp_path}/c.db", nats) as (client, app):
        await client.post("/categories", json={"slug": "home", "name": "Home"}, headers=ADMIN)
        nats.stop()
        r = await client.post("/products", json=PRODUCT, headers=ADMIN)
        assert r.status_code == 201, "writes must not depend on NATS being up"
        product_id = r.json()["id"]
        await asyncio.sleep(1.0)  # the relay tries and fails meanwhile
        nats.start()  # same port, same JetStream store

        events = await _eventually(lambda: _created(nats.url, product_id))
        assert len(events) == 1
        event = events[0]
        assert event["type"] == "product.created" and event["source"] == "catalog"
        assert event["data"]["sku"] == "EV-001"
        assert event["_headers"]["Nats-Msg-Id"] == event["id"]

        # A relay that published and died before marking the row publishes again on restart:
        # the stream's duplicate window keeps exactly one copy.
        rt = app.state.runtime
        async with rt.sessions() as session, session.begin():
            await session.execute(update(outbox).values(published_at=None))
        rt.relay.notify()

        async def all_marked() -> bool:
            async with rt.sessions() as session:
                rows = (await session.execute(outbox.select())).all()
            return all(row.published_at is not None for row in rows)

        assert await _eventually(all_marked)
        again = await _created(nats.url, product_id)
        assert len(again) == 1


async def test_a_commit_that_wrote_an_event_wakes_the_relay(
    nats: NatsServer, tmp_path: Path
) -> None:
    """The relay publishes a new product's event as soon as its transaction commits, not at
    its next round (an hour away here)."""
    db = f"sqlite+aiosqlite:///{tmp_path}/c.db"
    async with catalog_app(db, nats, relay_interval=3600) as (client, app):
        await asyncio.wait_for(app.state.runtime.bus.ready.wait(), 30)
        await asyncio.sleep(0.5)  # its first round found nothing; it now waits for a wake-up
        await client.post("/categories", json={"slug": "home", "name": "Home"}, headers=ADMIN)
        r = await client.post("/products", json=PRODUCT, headers=ADMIN)
        assert r.status_code == 201
        product_id = r.json()["id"]

        assert len(await _eventually(lambda: _created(nats.url, product_id), timeout=20)) == 1


async def _publish(nats_url: str, subject: str, envelope: dict) -> None:
    nc = await nats_client.connect(nats_url)
    try:
        await nc.jetstream().publish(subject, json.dumps(envelope).encode())
    finally:
        await nc.close()


def _stock_event(event_id: str, sku: str, available: int, version: int) -> dict:
    return {
        "id": event_id,
        "type": "stock_changed",
        "source": "inventory",
        "time": datetime.now(UTC).isoformat(),
        "subject": sku,
        "data": {"sku": sku, "available": available, "reserved": 0, "sold": 0, "version": version},
    }


async def test_redelivered_event_is_processed_once(nats: NatsServer, tmp_path: Path) -> None:
    async with catalog_app(f"sqlite+aiosqlite:///{tmp_path}/c.db", nats) as (client, _):
        await client.post("/categories", json={"slug": "home", "name": "Home"}, headers=ADMIN)
        pid = (await client.post("/products", json=PRODUCT, headers=ADMIN)).json()["id"]
        event_id = str(uuid.uuid4())
        await _publish(
            nats.url, "mercado.inventory.stock_changed", _stock_event(event_id, "EV-001", 7, 1)
        )

        async def shown() -> int | None:
            return (await client.get(f"/products/{pid}")).json()["availability"]["available"]

        assert await _eventually(shown) == 7
        # The same event again (a redelivery), carrying other data to make a second
        # processing visible: it must be ignored.
        await _publish(
            nats.url, "mercado.inventory.stock_changed", _stock_event(event_id, "EV-001", 999, 2)
        )
        marker = str(uuid.uuid4())
        await _publish(
            nats.url, "mercado.inventory.stock_changed", _stock_event(marker, "EV-001", 6, 3)
        )

        async def six() -> bool:
            return await shown() == 6

        assert await _eventually(six)
        metrics = (await client.get("/metrics")).text
        assert (
            'mercado_events_consumed_total{event_type="stock_changed",outcome="duplicate",'
            'service_name="catalog"} 1.0' in metrics
        )


async def test_failing_event_goes_to_dead_letter(nats: NatsServer, tmp_path: Path) -> None:
    async with catalog_app(
        f"sqlite+aiosqlite:///{tmp_path}/c.db", nats, consumer_max_deliver=2
    ) as (client, _):
        bad = _stock_event(str(uuid.uuid4()), "EV-001", 1, 1)
        del bad["data"]["available"]  # the handler cannot process this one
        await _publish(nats.url, "mercado.inventory.stock_changed", bad)

        async def dead() -> list:
            return await stream_events(nats.url, "mercado.deadletter.catalog-stock")

        letters = await _eventually(dead)
        assert len(letters) == 1 and letters[0]["id"] == bad["id"]
        assert (
            letters[0]["_headers"]["Mercado-Original-Subject"] == "mercado.inventory.stock_changed"
        )
        assert (await client.get("/readyz")).status_code == 200


async def test_catalog_shows_inventory_stock(nats: NatsServer, tmp_path: Path) -> None:
    inv_settings = dev_settings(
        InventorySettings,
        "inventory",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/i.db",
        nats_url=nats.url,
        log_json=False,
        relay_interval_seconds=0.1,
    )
    async with (
        catalog_app(f"sqlite+aiosqlite:///{tmp_path}/c.db", nats) as (catalog, _),
        serve_in_process(create_inventory(inv_settings), "http://inventory") as inventory,
    ):
        await catalog.post("/categories", json={"slug": "home", "name": "Home"}, headers=ADMIN)
        pid = (await catalog.post("/products", json=PRODUCT, headers=ADMIN)).json()["id"]

        async def row_created() -> bool:
            return (await inventory.get("/stock/EV-001")).status_code == 200

        assert await _eventually(row_created), "product.created gives the SKU a stock row"
        await inventory.post("/stock/EV-001/adjustments", json={"delta": 6}, headers=ADMIN)
        await inventory.post(
            "/reservations",
            headers=ORDERS,
            json={"order_id": "o-1", "lines": [{"sku": "EV-001", "quantity": 5}]},
        )

        async def availability() -> dict:
            return (await catalog.get(f"/products/{pid}")).json()["availability"]

        async def one_left() -> bool:
            return await availability() == {"available": 1, "in_stock": True}

        assert await _eventually(one_left)
        in_stock = (await catalog.get("/products", params={"in_stock": "true"})).json()
        assert in_stock["total"] == 1
        low = await stream_events(nats.url, "mercado.inventory.low_stock")
        assert [e["data"]["available"] for e in low] == [1]
