"""Checkout end to end through real processes: orders drives inventory, payment and the
bank; notifications mails the customer through a real SMTP server."""

from __future__ import annotations

import httpx
import pytest

from tests.support.apps import ADMIN, GATEWAY
from tests.support.shop import (
    CARD_DECLINED,
    CARD_FLAKY,
    CARD_NO_FUNDS,
    CARD_TIMEOUT,
    Shop,
    card,
    until,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def one_mail(shop: Shop, order_id: str) -> str:
    await until(lambda: _mails(shop, order_id), 60, f"mail about {order_id}")
    await shop.mails_settled()  # past the redelivery window: a second mail would be here
    mails = shop.smtp.mails_about(order_id)
    assert len(mails) == 1
    return str(mails[0]["Subject"])


async def _mails(shop: Shop, order_id: str) -> list[object] | None:
    return list(shop.smtp.mails_about(order_id)) or None


async def test_happy_path_confirms_charges_once_and_mails_once(
    shop: Shop, http: httpx.AsyncClient
) -> None:
    product = await shop.product(http, price=1250, stock=5)
    r = await shop.place(http, product["id"], quantity=2, email="Happy@Example.com")
    assert r.status_code == 201, r.text
    placed = r.json()
    assert placed["status"] in ("PENDING", "RESERVED", "PAYMENT_PENDING", "PAID", "CONFIRMED")
    assert placed["total"] == {"amount": 2500, "currency": "EUR"}
    assert placed["lines"][0]["unit_price"] == {"amount": 1250, "currency": "EUR"}
    assert placed["lines"][0]["sku"] == product["sku"]
    assert "number" not in r.text and "4242424242424242" not in r.text

    order = await shop.final(http, placed["id"])
    assert order["status"] == "CONFIRMED", order
    assert order["cancel_reason"] is None
    assert order["payment"] == {"status": "SUCCEEDED", "card_last4": "4242", "decline_code": None}
    payments = await shop.payments(http, order["id"])
    assert [(p["status"], p["amount"]["amount"]) for p in payments] == [("SUCCEEDED", 2500)]
    level = await shop.stock(http, product["sku"])
    assert (level["available"], level["reserved"], level["sold"]) == (3, 0, 2)

    subject = await one_mail(shop, order["id"])
    assert "confirmed" in subject
    mail = shop.smtp.mails_about(order["id"])[0]
    assert mail["To"] == "happy@example.com"
    text = mail.get_body().get_content()
    assert "25.00 EUR" in text and product["sku"] in text

    r = await http.get(
        f"{shop.url('notifications')}/notifications",
        params={"order_id": order["id"]},
        headers=ADMIN,
    )
    assert r.status_code == 200
    items = r.json()["items"]
    assert [(n["kind"], n["status"], n["recipient"]) for n in items] == [
        ("order_confirmed", "sent", "happy@example.com")
    ]
    assert items[0]["message_id"] == mail["Message-ID"]

    listed = await http.get(
        f"{shop.url('orders')}/orders", params={"customer": "happy@example.com"}, headers=ADMIN
    )
    assert listed.status_code == 200
    assert [o["id"] for o in listed.json()["items"]] == [order["id"]]


async def test_same_key_same_body_is_the_same_order_other_body_is_refused(
    shop: Shop, http: httpx.AsyncClient
) -> None:
    product = await shop.product(http, price=500, stock=5)
    first = await shop.place(http, product["id"], key="retry-key-1")
    again = await shop.place(http, product["id"], key="retry-key-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    other = await shop.place(http, product["id"], quantity=2, key="retry-key-1")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    order = await shop.final(http, first.json()["id"])
    assert order["status"] == "CONFIRMED"
    assert len(await shop.payments(http, order["id"])) == 1
    assert (await shop.stock(http, product["sku"]))["sold"] == 1


@pytest.mark.parametrize(
    ("number", "code"), [(CARD_DECLINED, "card_declined"), (CARD_NO_FUNDS, "insufficient_funds")]
)
async def test_declined_card_cancels_restores_stock_and_mails_once(
    shop: Shop, http: httpx.AsyncClient, number: str, code: str
) -> None:
    product = await shop.product(http, price=999, stock=3)
    r = await shop.place(http, product["id"], quantity=2, payment=card(number))
    assert r.status_code == 201
    order = await shop.final(http, r.json()["id"])
    assert (order["status"], order["cancel_reason"]) == ("CANCELLED", "payment_declined")
    assert order["payment"]["status"] == "DECLINED"
    assert order["payment"]["decline_code"] == code
    level = await shop.stock(http, product["sku"])
    assert (level["available"], level["reserved"], level["sold"]) == (3, 0, 0)
    assert "cancelled" in await one_mail(shop, order["id"])


async def test_out_of_stock_cancels_without_charging(shop: Shop, http: httpx.AsyncClient) -> None:
    product = await shop.product(http, price=700, stock=1)
    r = await shop.place(http, product["id"], quantity=2)
    order = await shop.final(http, r.json()["id"])
    assert (order["status"], order["cancel_reason"]) == ("CANCELLED", "out_of_stock")
    assert order["payment"] is None
    assert await shop.payments(http, order["id"]) == []
    level = await shop.stock(http, product["sku"])
    assert (level["available"], level["reserved"], level["sold"]) == (1, 0, 0)
    assert "cancelled" in await one_mail(shop, order["id"])


async def test_bank_timeout_charges_exactly_once_and_converges(
    shop: Shop, http: httpx.AsyncClient
) -> None:
    product = await shop.product(http, price=4200, stock=2)
    r = await shop.place(http, product["id"], payment=card(CARD_TIMEOUT))
    order = await shop.final(http, r.json()["id"], timeout=180)
    assert order["status"] == "CONFIRMED", order
    payments = await shop.payments(http, order["id"])
    assert [p["status"] for p in payments] == ["SUCCEEDED"]
    approved = [a for a in await shop.bank_charges(http, order["id"]) if a["approved"]]
    assert len(approved) == 1
    assert (await shop.stock(http, product["sku"]))["sold"] == 1
    assert "confirmed" in await one_mail(shop, order["id"])


async def test_card_failing_once_is_retried_and_confirms(
    shop: Shop, http: httpx.AsyncClient
) -> None:
    product = await shop.product(http, price=300, stock=2)
    r = await shop.place(http, product["id"], payment=card(CARD_FLAKY))
    order = await shop.final(http, r.json()["id"], timeout=120)
    assert order["status"] == "CONFIRMED", order
    assert [p["status"] for p in await shop.payments(http, order["id"])] == ["SUCCEEDED"]
    approved = [a for a in await shop.bank_charges(http, order["id"]) if a["approved"]]
    assert len(approved) == 1


async def test_customer_cancels_a_confirmed_order_refund_and_stock_back(
    shop: Shop, http: httpx.AsyncClient
) -> None:
    product = await shop.product(http, price=1500, stock=2)
    r = await shop.place(http, product["id"])
    token = r.json()["access_token"]
    order = await shop.final(http, r.json()["id"])
    assert order["status"] == "CONFIRMED"
    cancel = f"{shop.url('orders')}/orders/{order['id']}/cancel"
    r = await http.post(cancel, headers=GATEWAY)  # without the order's access token
    assert (r.status_code, r.json()["error"]["code"]) == (401, "order_token_required")
    r = await http.post(cancel, headers={**GATEWAY, "Order-Token": "ord_" + "x" * 43})
    assert (r.status_code, r.json()["error"]["code"]) == (404, "order_not_found")
    r = await http.post(cancel, headers={**GATEWAY, "Order-Token": token})
    # 200 once cancelled, 202 while the refund is still under way: the code matches the body.
    assert r.status_code == (200 if r.json()["status"] == "CANCELLED" else 202), r.text
    assert r.json()["status"] in ("CONFIRMED", "CANCELLED"), r.text
    order = await until(lambda: _cancelled(shop, http, order["id"]), 120, "cancellation")
    assert (order["status"], order["cancel_reason"]) == ("CANCELLED", "customer_cancelled")
    assert [p["status"] for p in await shop.payments(http, order["id"])] == ["REFUNDED"]
    level = await shop.stock(http, product["sku"])
    assert (level["available"], level["reserved"], level["sold"]) == (2, 0, 0)
    again = await http.post(cancel, headers={**GATEWAY, "Order-Token": token})
    assert (again.status_code, again.json()["error"]) == (
        409,
        {
            "code": "order_not_cancellable",
            "message": f"order {order['id']} is already cancelled",
        },
    ), again.text
    await until(lambda: _two(shop, order["id"]), 60, "confirmation and cancellation mails")


async def _two(shop: Shop, order_id: str) -> bool:
    return len(shop.smtp.mails_about(order_id)) == 2


async def _cancelled(shop: Shop, http: httpx.AsyncClient, order_id: str) -> dict | None:
    order = await shop.order(http, order_id)
    return order if order["status"] == "CANCELLED" else None


BAD_ORDER_BODIES = [
    {},
    {"customer": {"email": "not-an-email"}, "lines": [], "payment": {}},
    {
        "customer": {"email": "a@example.com"},
        "lines": [{"product_id": "nope", "quantity": 1}],
        "payment": card(),
    },
    {
        "customer": {"email": "a@example.com"},
        "lines": [{"product_id": "00000000-0000-0000-0000-000000000000", "quantity": 0}],
        "payment": card(),
    },
    {
        "customer": {"email": "a@example.com"},
        "lines": [{"product_id": "00000000-0000-0000-0000-000000000000", "quantity": 101}],
        "payment": card(),
    },
    {
        "customer": {"email": "a@example.com"},
        "lines": [{"product_id": "00000000-0000-0000-0000-000000000000", "quantity": 1}],
        "payment": {
            "card": {"number": "4242424242424241", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
        },
    },
    {
        "customer": {"email": "a@example.com"},
        "lines": [{"product_id": "00000000-0000-0000-0000-000000000000", "quantity": 1}],
        "payment": {**card(), "card_token": "tok_x"},
    },
    {
        "customer": {"email": "a@example.com"},
        "lines": [{"product_id": "00000000-0000-0000-0000-000000000000", "quantity": "many"}],
        "payment": card(),
    },
    [1, 2, 3],
    "just a string",
    # Loose types are not coerced: "1" and true are not the integer 1.
    *(
        {
            "customer": {"email": "a@example.com"},
            "lines": [{"product_id": "00000000-0000-0000-0000-000000000000", "quantity": q}],
            "payment": card(),
        }
        for q in ("1", True, 1.0)
    ),
    # Addresses no mail server can take, and a card token payment would refuse.
    *(
        {
            "customer": {"email": email},
            "lines": [{"product_id": "00000000-0000-0000-0000-000000000000", "quantity": 1}],
            "payment": card(),
        }
        for email in ("a\x00b@example.com", "a@example", "é@example.com", "a b@example.com")
    ),
    {
        "customer": {"email": "a@example.com"},
        "lines": [{"product_id": "00000000-0000-0000-0000-000000000000", "quantity": 1}],
        "payment": {"card_token": "tok_not-a-bank-token"},
    },
]


async def test_bad_input_on_every_endpoint_is_a_4xx_with_an_error_code(
    shop: Shop, http: httpx.AsyncClient
) -> None:
    base = f"{shop.url('orders')}/orders"
    for body in BAD_ORDER_BODIES:
        r = await http.post(base, json=body, headers={**GATEWAY, "Idempotency-Key": "bad-input"})
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["code"] == "validation_error"
        assert "4242424242424241" not in r.text
    r = await http.post(
        base,
        content=b"{not json",
        headers={**GATEWAY, "Idempotency-Key": "bad-json", "Content-Type": "application/json"},
    )
    assert r.status_code == 422
    ok_body = {
        "customer": {"email": "a@example.com"},
        "lines": [{"product_id": "00000000-0000-0000-0000-000000000000", "quantity": 1}],
        "payment": card(),
    }
    r = await http.post(base, json=ok_body, headers=GATEWAY)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "idempotency_key_required")
    r = await http.post(base, json=ok_body, headers={**GATEWAY, "Idempotency-Key": "k" * 201})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_idempotency_key")
    r = await http.post(
        base, json=ok_body, headers={**GATEWAY, "Idempotency-Key": "unknown-product"}
    )
    assert (r.status_code, r.json()["error"]["code"]) == (422, "unknown_product")

    for path, expected in (
        ("/not-a-uuid", (422, "validation_error")),
        ("/00000000-0000-0000-0000-000000000000", (404, "order_not_found")),
        ("/not-a-uuid/cancel", (422, "validation_error")),
        ("/00000000-0000-0000-0000-000000000000/cancel", (404, "order_not_found")),
    ):
        method = http.post if path.endswith("cancel") else http.get
        r = await method(base + path, headers=ADMIN)
        assert (r.status_code, r.json()["error"]["code"]) == expected, (path, r.text)
    for params in (
        {"customer": "x"},
        {"customer": "a@example.com", "limit": 0},
        {"customer": "a@example.com", "limit": 1000},
        {"customer": "a@example.com", "offset": -1},
        {"customer": "a@example.com", "status": "LOST"},
    ):
        r = await http.get(base, params=params, headers=ADMIN)
        assert r.status_code == 422, (params, r.text)
    r = await http.get(base)
    assert r.status_code == 401  # orders answers only the gateway and the admin
    r = await http.get(base, params={"customer": "a@example.com"}, headers=GATEWAY)
    assert r.status_code == 403  # listing: admin only
    r = await http.post(base, json=ok_body, headers={"Idempotency-Key": "no-caller"})
    assert r.status_code == 401

    notes = f"{shop.url('notifications')}/notifications"
    for params in ({"order_id": "x"}, {"limit": 0}, {"offset": -5}, {"customer": "a"}):
        r = await http.get(notes, params=params, headers=ADMIN)
        assert r.status_code == 422, (params, r.text)
    r = await http.get(f"{notes}/not-a-uuid", headers=ADMIN)
    assert r.status_code == 422
    r = await http.get(notes)
    assert r.status_code == 401  # customers' mails: admin only
    r = await http.get(notes, headers=GATEWAY)
    assert r.status_code == 403
    r = await http.get(f"{notes}/00000000-0000-0000-0000-000000000000", headers=ADMIN)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "notification_not_found")
