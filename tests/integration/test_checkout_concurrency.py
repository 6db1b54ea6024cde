"""Fifty customers race for ten units: exactly ten orders are confirmed, stock never goes
negative and adds up, and no order is charged twice."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from tests.support.shop import Shop

pytestmark = pytest.mark.asyncio(loop_scope="session")

BUYERS = 50
UNITS = 10


async def test_fifty_checkouts_for_ten_units(shop: Shop) -> None:
    async with httpx.AsyncClient(timeout=120) as http:
        product = await shop.product(http, price=1999, stock=UNITS)
        sku = product["sku"]
        levels: list[dict[str, int]] = []
        done = asyncio.Event()

        async def watch_stock() -> None:
            while not done.is_set():
                levels.append(await shop.stock(http, sku))
                await asyncio.sleep(0.05)

        watcher = asyncio.create_task(watch_stock())
        placed = await asyncio.gather(
            *(shop.place(http, product["id"], email=f"racer{i}@example.com") for i in range(BUYERS))
        )
        assert [r.status_code for r in placed] == [201] * BUYERS
        final = [await shop.final(http, r.json()["id"], timeout=240) for r in placed]
        done.set()
        await watcher

        states = Counter((o["status"], o["cancel_reason"]) for o in final)
        assert states == {("CONFIRMED", None): UNITS, ("CANCELLED", "out_of_stock"): BUYERS - UNITS}
        for level in levels:
            assert min(level["available"], level["reserved"], level["sold"]) >= 0, level
            assert level["available"] + level["reserved"] + level["sold"] == UNITS, level
        end = await shop.stock(http, sku)
        assert (end["available"], end["reserved"], end["sold"]) == (0, 0, UNITS)
        charged = 0
        for order in final:
            payments = await shop.payments(http, order["id"])
            approved = [a for a in await shop.bank_charges(http, order["id"]) if a["approved"]]
            assert len(payments) == len(approved) == (order["status"] == "CONFIRMED")
            charged += len(approved)
        assert charged == UNITS
