"""Checkout under faults: orders SIGKILLed mid-saga, notifications down while orders
confirm. Every order still reaches a final state, nobody is charged twice, stock adds up,
and every final order gets exactly one e-mail."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.support.apps import ADMIN
from tests.support.events import consumer_backlog, stream_events
from tests.support.shop import CARD_DECLINED, CARD_TIMEOUT, Shop, card, until

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def bank_latency(shop: Shop, http: httpx.AsyncClient, ms: int) -> None:
    r = await http.put(f"{shop.url('bank')}/admin/faults", json={"latency_ms": ms}, headers=ADMIN)
    assert r.status_code == 200, r.text


async def assert_settled(shop: Shop, http: httpx.AsyncClient, orders: list[dict[str, Any]]) -> None:
    """Money and stock agree with each order's final state."""
    for order in orders:
        payments = await shop.payments(http, order["id"])
        assert len(payments) <= 1, payments
        approved = [a for a in await shop.bank_charges(http, order["id"]) if a["approved"]]
        assert len(approved) <= 1, approved
        if order["status"] == "CONFIRMED":
            assert [p["status"] for p in payments] == ["SUCCEEDED"], order
        else:
            assert all(p["status"] in ("DECLINED", "REFUNDED") for p in payments), (order, payments)


async def test_orders_killed_mid_saga_every_order_converges(
    shop: Shop, http: httpx.AsyncClient
) -> None:
    product = await shop.product(http, price=1000, stock=40)
    await bank_latency(shop, http, 700)  # keep charges in flight when orders dies
    cards = [card(), card(), card(CARD_DECLINED), card(CARD_TIMEOUT), card()] * 4
    placed = await asyncio.gather(*(shop.place(http, product["id"], payment=c) for c in cards))
    assert [r.status_code for r in placed] == [201] * len(cards)
    await asyncio.sleep(0.8)
    before = [(await shop.order(http, r.json()["id"]))["status"] for r in placed]
    shop.services["orders"].kill()
    assert set(before) - {"CONFIRMED", "CANCELLED"}, before  # some were mid-saga
    await bank_latency(shop, http, 0)
    shop.services["orders"].start()

    final = [await shop.final(http, r.json()["id"], timeout=180) for r in placed]
    states = Counter(o["status"] for o in final)
    assert set(states) <= {"CONFIRMED", "CANCELLED"}
    assert states["CONFIRMED"] >= 1, final
    await assert_settled(shop, http, final)
    for order, c in zip(final, cards, strict=True):
        if c["card"]["number"] == CARD_DECLINED:
            assert order["status"] == "CANCELLED"
    level = await shop.stock(http, product["sku"])
    assert level["sold"] == states["CONFIRMED"]
    assert (level["available"], level["reserved"]) == (40 - states["CONFIRMED"], 0)
    for order in final:
        await until(
            lambda o=order: shop.smtp.mails_about(o["id"]) or None, 60, f"mail for {order['id']}"
        )
    await shop.mails_settled()
    assert {o["id"]: len(shop.smtp.mails_about(o["id"])) for o in final} == {
        o["id"]: 1 for o in final
    }


async def test_a_retry_after_a_crash_brings_the_card_back(
    shop: Shop, http: httpx.AsyncClient
) -> None:
    """Orders keeps no card number: killed before charging, the order is finished with the
    card of the customer's retry (same Idempotency-Key, same body)."""
    product = await shop.product(http, price=800, stock=3)
    await bank_latency(shop, http, 0)
    orders = shop.services["orders"]
    # Stop inventory so the saga cannot get past PENDING, then kill orders.
    shop.services["inventory"].stop()
    first = await shop.place(http, product["id"], key="crash-retry-1")
    assert first.status_code == 201
    orders.kill()
    shop.services["inventory"].start()
    orders.start()
    again = await shop.place(http, product["id"], key="crash-retry-1")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    order = await shop.final(http, first.json()["id"], timeout=120)
    assert order["status"] == "CONFIRMED", order
    await assert_settled(shop, http, [order])


async def test_notifications_down_while_20_orders_confirm_then_exactly_20_mails(
    shop: Shop, http: httpx.AsyncClient
) -> None:
    product = await shop.product(http, price=250, stock=25)
    notifications = shop.services["notifications"]
    notifications.stop()
    placed = await asyncio.gather(*(shop.place(http, product["id"]) for _ in range(20)))
    final = [await shop.final(http, r.json()["id"]) for r in placed]
    assert [o["status"] for o in final] == ["CONFIRMED"] * 20
    ids = {o["id"] for o in final}

    async def confirmations_published() -> bool:
        events = await stream_events(shop.nats.url, "mercado.orders.order.confirmed")
        return {e["data"]["id"] for e in events} >= ids

    # While notifications is down its 20 events wait in its durable consumer, none lost.
    await until(confirmations_published, 60, "20 order.confirmed events in the stream")
    backlog = await consumer_backlog(shop.nats.url, "notifications-orders")
    assert backlog is not None and backlog[0] >= 20, backlog
    notifications.start()

    async def all_mailed() -> bool:
        return all(shop.smtp.mails_about(i) for i in ids)

    await until(all_mailed, 120, "20 mails")
    await shop.mails_settled()
    per_order = Counter(
        i for m in shop.smtp.mails() for i in ids if i in m.get_body().get_content()
    )
    assert per_order == dict.fromkeys(ids, 1)
    for order_id in ids:
        r = await http.get(
            f"{shop.url('notifications')}/notifications",
            params={"order_id": order_id},
            headers=ADMIN,
        )
        assert r.json()["total"] == 1
