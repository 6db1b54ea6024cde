"""The whole shop on PostgreSQL (a database per service, as on Kubernetes): checkout,
declines and a race for the last units behave as on SQLite."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from tests.support.postgres import PostgresServer
from tests.support.shop import CARD_DECLINED, Shop, card, until

pytestmark = pytest.mark.asyncio(loop_scope="session")

SERVICES = ("catalog", "inventory", "bank", "payment", "orders", "notifications")


@pytest.fixture(scope="module")
def shop(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> Iterator[Shop]:
    urls = {name: postgres_server.create_database(f"shop_{name}") for name in SERVICES}
    running = Shop(tmp_path_factory.mktemp("pgshop"), database_urls=urls).start()
    yield running
    running.stop()


async def test_every_service_serves_from_postgres(shop: Shop) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        for name in SERVICES:
            ready = (await http.get(f"{shop.url(name)}/readyz")).json()
            assert ready["checks"]["database"] == "ok", name
            assert shop.services[name].env["DATABASE_URL"].startswith("postgresql+asyncpg://")


async def test_checkout_and_decline_on_postgres(shop: Shop) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        product = await shop.product(http, price=900, stock=3)
        good = (await shop.place(http, product["id"], quantity=2)).json()
        bad = (await shop.place(http, product["id"], payment=card(CARD_DECLINED))).json()
        good, bad = await shop.final(http, good["id"]), await shop.final(http, bad["id"])
        assert good["status"] == "CONFIRMED" and good["total"]["amount"] == 1800
        assert (bad["status"], bad["cancel_reason"]) == ("CANCELLED", "payment_declined")
        level = await shop.stock(http, product["sku"])
        assert (level["available"], level["reserved"], level["sold"]) == (1, 0, 2)
        for order in (good, bad):
            await until(lambda o=order: shop.smtp.mails_about(o["id"]) or None, 60, "mail")
        await shop.mails_settled()
        assert len(shop.smtp.mails_about(good["id"])) == 1
        assert len(shop.smtp.mails_about(bad["id"])) == 1


async def test_race_for_the_last_units_on_postgres(shop: Shop) -> None:
    buyers, units = 20, 4
    async with httpx.AsyncClient(timeout=120) as http:
        product = await shop.product(http, price=500, stock=units)
        placed = await asyncio.gather(
            *(shop.place(http, product["id"], email=f"pg{i}@example.com") for i in range(buyers))
        )
        final = [await shop.final(http, r.json()["id"], timeout=240) for r in placed]
        states = Counter((o["status"], o["cancel_reason"]) for o in final)
        assert states == {("CONFIRMED", None): units, ("CANCELLED", "out_of_stock"): buyers - units}
        end = await shop.stock(http, product["sku"])
        assert (end["available"], end["reserved"], end["sold"]) == (0, 0, units)
        for order in final:
            approved = [a for a in await shop.bank_charges(http, order["id"]) if a["approved"]]
            assert len(approved) == (order["status"] == "CONFIRMED")
