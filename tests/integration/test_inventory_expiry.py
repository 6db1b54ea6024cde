"""Inventory after a reservation expired and its units went to someone else: a late release
or commit of the expired reservation must not move stock again (no double return, no
oversell); and the refusal codes inventory answers are the ones the saga acts on."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mercado_contracts.errors import RESERVATION_GONE, RESERVATION_REFUSED
from tests.support.apps import ADMIN, ORDERS
from tests.support.events import announce_products, wait_stocked
from tests.support.processes import NatsServer
from tests.support.shop import until

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(autouse=True)
async def products(inventory: httpx.AsyncClient, nats: NatsServer) -> None:
    """The catalog announces the SKUs first (inventory stocks only SKUs it heard of)."""
    await announce_products(nats.url, "EXP-1", "CODE-1")
    await wait_stocked(inventory, "", "EXP-1", "CODE-1")


async def _level(client: httpx.AsyncClient, sku: str) -> tuple[int, int, int]:
    r = await client.get(f"/stock/{sku}")
    assert r.status_code == 200, r.text
    level = r.json()
    return level["available"], level["reserved"], level["sold"]


async def _reserve(
    client: httpx.AsyncClient, order_id: str, sku: str, quantity: int, ttl: int | None = None
) -> httpx.Response:
    body: dict[str, Any] = {"order_id": order_id, "lines": [{"sku": sku, "quantity": quantity}]}
    if ttl is not None:
        body["ttl_seconds"] = ttl
    return await client.post("/reservations", json=body, headers=ORDERS)


async def _expired(client: httpx.AsyncClient, order_id: str) -> None:
    async def status() -> bool:
        r = await client.get(f"/reservations/{order_id}", headers=ORDERS)
        return bool(r.json()["status"] == "EXPIRED")

    await until(status, 60, f"reservation {order_id} expired")


async def test_releasing_an_expired_reservation_after_its_units_were_sold_gives_nothing_back(
    inventory: httpx.AsyncClient,
) -> None:
    r = await inventory.post("/stock/EXP-1/adjustments", json={"delta": 2}, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert (await _reserve(inventory, "late", "EXP-1", 2, ttl=1)).status_code == 201
    await _expired(inventory, "late")
    assert await _level(inventory, "EXP-1") == (2, 0, 0)
    # The units go to another buyer, who pays.
    assert (await _reserve(inventory, "buyer", "EXP-1", 2)).status_code == 201
    r = await inventory.post("/reservations/buyer/commit", headers=ORDERS)
    assert (r.status_code, r.json()["status"]) == (200, "COMMITTED")
    assert await _level(inventory, "EXP-1") == (0, 0, 2)

    # The first order gives up late (its saga cancels): twice, as a retry would.
    for _ in range(2):
        r = await inventory.post("/reservations/late/release", headers=ORDERS)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "EXPIRED"
    assert await _level(inventory, "EXP-1") == (0, 0, 2)
    # Nor can it be committed: the saga learns the reservation is gone.
    r = await inventory.post("/reservations/late/commit", headers=ORDERS)
    assert r.status_code == 409
    assert r.json()["error"]["code"] in RESERVATION_GONE
    assert await _level(inventory, "EXP-1") == (0, 0, 2)
    # A third buyer finds nothing left: the units were not handed out twice.
    r = await _reserve(inventory, "third", "EXP-1", 1)
    assert r.status_code == 409
    assert r.json()["error"]["code"] in RESERVATION_REFUSED


async def test_the_codes_inventory_refuses_with_are_the_ones_the_saga_acts_on(
    inventory: httpx.AsyncClient,
) -> None:
    r = await inventory.post("/stock/CODE-1/adjustments", json={"delta": 1}, headers=ADMIN)
    assert r.status_code == 200, r.text
    refused = [
        await _reserve(inventory, "too-many", "CODE-1", 2),
        await _reserve(inventory, "no-such", "NO-SUCH-SKU", 1),
    ]
    assert {r.json()["error"]["code"] for r in refused} == RESERVATION_REFUSED
    assert (await _reserve(inventory, "gone", "CODE-1", 1)).status_code == 201
    assert (await inventory.post("/reservations/gone/release", headers=ORDERS)).status_code == 200
    gone = [
        await inventory.post("/reservations/gone/commit", headers=ORDERS),
        await inventory.post("/reservations/never/commit", headers=ORDERS),
    ]
    assert {r.json()["error"]["code"] for r in gone} == RESERVATION_GONE
