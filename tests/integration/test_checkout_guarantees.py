"""What a customer and an auditor rely on at checkout, through the real processes:

- an Idempotency-Key stands for the whole request that matters (customer, lines, quantity,
  card): any other request under the same key is refused, never served the first order;
- orders losing contact with payment in the middle of a charge still ends with exactly one
  payment and one approved bank authorisation per order.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.support.apps import ADMIN, GATEWAY
from tests.support.shop import CARD_DECLINED, CARD_OK, Shop, card, until

pytestmark = pytest.mark.asyncio(loop_scope="session")


def order_body(
    product_id: str,
    quantity: int = 1,
    email: str = "same@example.com",
    payment: dict[str, Any] | None = None,
    extra_lines: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "customer": {"email": email},
        "lines": [{"product_id": product_id, "quantity": quantity}, *(extra_lines or [])],
        "payment": payment or card(),
    }


async def test_an_idempotency_key_covers_customer_lines_quantity_and_card(
    shop: Shop, http: httpx.AsyncClient
) -> None:
    product = await shop.product(http, price=1100, stock=10)
    other = await shop.product(http, price=200, stock=10)
    email = f"key-{uuid.uuid4().hex[:8]}@example.com"
    key = f"fingerprint-{uuid.uuid4()}"
    url = f"{shop.url('orders')}/orders"
    headers = {**GATEWAY, "Idempotency-Key": key}

    first = await http.post(url, json=order_body(product["id"], email=email), headers=headers)
    assert first.status_code == 201, first.text
    expired_card = {"card": {**card()["card"], "exp_year": 2035}}
    different = {
        "another customer": order_body(product["id"], email="someone.else@example.com"),
        "another quantity": order_body(product["id"], quantity=2, email=email),
        "another product": order_body(other["id"], email=email),
        "one more line": order_body(
            product["id"], email=email, extra_lines=[{"product_id": other["id"], "quantity": 1}]
        ),
        "another card": order_body(product["id"], email=email, payment=card(CARD_DECLINED)),
        "another expiry": order_body(product["id"], email=email, payment=expired_card),
    }
    for what, body in different.items():
        r = await http.post(url, json=body, headers=headers)
        assert r.status_code == 409, (what, r.text)
        assert r.json()["error"]["code"] == "idempotency_key_reused", what

    # The same request again (the address spelled in other case is the same customer).
    for same_email in (email, email.upper()):
        again = await http.post(
            url, json=order_body(product["id"], email=same_email), headers=headers
        )
        assert again.status_code == 200, again.text
        assert again.json()["id"] == first.json()["id"]

    order = await shop.final(http, first.json()["id"])
    assert order["status"] == "CONFIRMED", order
    assert order["lines"][0]["quantity"] == 1 and order["payment"]["card_last4"] == CARD_OK[-4:]
    listed = await http.get(url, params={"customer": email}, headers=ADMIN)
    assert [o["id"] for o in listed.json()["items"]] == [order["id"]]
    assert [p["amount"]["amount"] for p in await shop.payments(http, order["id"])] == [1100]
    assert (await shop.stock(http, product["sku"]))["sold"] == 1
    assert (await shop.stock(http, other["sku"]))["sold"] == 0


async def test_payment_killed_mid_charge_one_payment_and_one_approved_authorisation_per_order(
    shop: Shop, http: httpx.AsyncClient
) -> None:
    product = await shop.product(http, price=700, stock=10)
    payment = shop.services["payment"]
    # The bank answers slowly (within payment's timeout): charges stay in flight.
    r = await http.put(f"{shop.url('bank')}/admin/faults", json={"latency_ms": 800}, headers=ADMIN)
    assert r.status_code == 200, r.text
    try:
        placed = await asyncio.gather(*(shop.place(http, product["id"]) for _ in range(6)))
        assert [p.status_code for p in placed] == [201] * 6
        ids = [p.json()["id"] for p in placed]

        async def one_charging() -> bool:
            for order_id in ids:
                if [p["status"] for p in await shop.payments(http, order_id)] == ["PENDING"]:
                    return True
            return False

        await until(one_charging, 60, "a charge in flight at the bank")
        payment.kill()  # orders loses payment in the middle of the charge
    finally:
        # Back to a prompt bank (straight to it: payment is down).
        r = await http.put(
            f"{shop.url('bank')}/admin/faults", json={"latency_ms": 0}, headers=ADMIN
        )
        assert r.status_code == 200, r.text
    interrupted = [(await shop.order(http, order_id))["status"] for order_id in ids]
    assert set(interrupted) - {"CONFIRMED", "CANCELLED"}, interrupted  # some were mid-charge
    payment.start()

    final = [await shop.final(http, order_id, timeout=180) for order_id in ids]
    assert Counter(o["status"] for o in final) == {"CONFIRMED": 6}, (interrupted, final)
    for order in final:
        payments = await shop.payments(http, order["id"])
        assert [(p["status"], p["amount"]["amount"]) for p in payments] == [("SUCCEEDED", 700)]
        approved = [a for a in await shop.bank_charges(http, order["id"]) if a["approved"]]
        assert len(approved) == 1, (order["id"], approved)
    level = await shop.stock(http, product["sku"])
    assert (level["available"], level["reserved"], level["sold"]) == (4, 0, 6)
