"""Payment and the bank as real processes: each test card's outcome, one charge per
order, refunds, events, metrics, tokens, bad input, and no card number kept anywhere."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.test_payment_support import (
    ADMIN,
    BANK_CLIENT,
    DECLINED,
    FAIL_FIRST,
    INSUFFICIENT,
    ORDERS,
    SUCCESS,
    TEST_CARDS,
    bank_records,
    card,
    charge_body,
    counter,
    files_containing,
    new_order,
    start_bank,
    start_payment,
)
from tests.support.events import stream_events
from tests.support.processes import NatsServer, ServiceProcess


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("payment")


@pytest.fixture(scope="module")
def bank(nats_server: NatsServer, folder: Path) -> Iterator[ServiceProcess]:
    proc = start_bank(nats_server.url, folder / "bank")
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def payment(
    nats_server: NatsServer, folder: Path, bank: ServiceProcess
) -> Iterator[ServiceProcess]:
    proc = start_payment(
        nats_server.url, folder / "payment", bank.url, RELAY_INTERVAL_SECONDS="0.1"
    )
    yield proc
    proc.stop()


@pytest.fixture
def client(payment: ServiceProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=payment.url, headers=ORDERS, timeout=60) as c:
        yield c


def pay(client: httpx.Client, **kwargs: Any) -> dict[str, Any]:
    r = client.post("/payments", json=charge_body(**kwargs))
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        (SUCCESS, "SUCCEEDED", None),
        (DECLINED, "DECLINED", "card_declined"),
        (INSUFFICIENT, "DECLINED", "insufficient_funds"),
        (FAIL_FIRST, "SUCCEEDED", None),  # the bank's 503 is retried under the same key
    ],
)
def test_card_outcomes(
    client: httpx.Client, bank: ServiceProcess, number: str, status: str, code: str | None
) -> None:
    order = new_order()
    body = pay(client, order_id=order, number=number, amount=2500)
    assert set(body) == {
        "id",
        "order_id",
        "status",
        "decline_code",
        "amount",
        "card_last4",
        "created_at",
        "updated_at",
    }
    assert (body["order_id"], body["status"], body["decline_code"]) == (order, status, code)
    assert body["amount"] == {"amount": 2500, "currency": "EUR"}
    assert body["card_last4"] == number[-4:]
    records = bank_records(bank, order)
    assert len(records) == 1, "exactly one authorization at the bank"
    assert records[0]["status"] == ("captured" if status == "SUCCEEDED" else "declined")
    assert records[0]["amount"] == {"amount": 2500, "currency": "EUR"}


def test_same_order_is_charged_once(client: httpx.Client, bank: ServiceProcess) -> None:
    body = charge_body()
    first = client.post("/payments", json=body)
    again = client.post("/payments", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert len(bank_records(bank, body["order_id"])) == 1
    # Another card for the same order still returns the first payment, never a charge.
    other = client.post("/payments", json={**body, "card": card(DECLINED)})
    assert other.status_code == 200
    assert other.json()["id"] == first.json()["id"]
    assert len(bank_records(bank, body["order_id"])) == 1


def test_concurrent_charges_of_one_order_charge_once(
    client: httpx.Client, bank: ServiceProcess, payment: ServiceProcess
) -> None:
    body = charge_body()

    def post(_: int) -> httpx.Response:
        return httpx.post(f"{payment.url}/payments", json=body, headers=ORDERS, timeout=60)

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(post, range(8)))
    assert sorted(r.status_code for r in replies) == [200] * 7 + [201]
    assert len({r.json()["id"] for r in replies}) == 1
    assert len(bank_records(bank, body["order_id"])) == 1


def test_same_order_with_another_amount_is_a_mismatch(client: httpx.Client) -> None:
    order = new_order()
    first = pay(client, order_id=order, amount=1000)
    mismatch = {
        "code": "payment_mismatch",
        "message": f"order {order} already has a payment of another amount",
        "details": {"payment_id": first["id"]},  # the payment the order already has
    }
    r = client.post("/payments", json=charge_body(order_id=order, amount=1001))
    assert (r.status_code, r.json()["error"]) == (409, mismatch), r.text
    euros = charge_body(order_id=order, amount=1000)
    euros["amount"]["currency"] = "USD"
    r = client.post("/payments", json=euros)
    assert (r.status_code, r.json()["error"]) == (409, mismatch), r.text


def test_get_and_list(client: httpx.Client, payment: ServiceProcess) -> None:
    created = pay(client)
    assert client.get(f"/payments/{created['id']}").json() == created
    page = client.get("/payments", params={"order_id": created["order_id"]}).json()
    assert page == {"items": [created], "total": 1, "limit": 20, "offset": 0}
    for _ in range(2):
        pay(client)
    first = client.get("/payments", params={"limit": 2}).json()
    second = client.get("/payments", params={"limit": 2, "offset": 2}).json()
    assert first["total"] >= 3
    assert len(first["items"]) == 2
    assert not {p["id"] for p in first["items"]} & {p["id"] for p in second["items"]}
    # The admin may read.
    as_admin = httpx.get(f"{payment.url}/payments/{created['id']}", headers=ADMIN)
    assert as_admin.status_code == 200


def test_refund(client: httpx.Client, bank: ServiceProcess) -> None:
    paid = pay(client)
    for _ in range(2):
        r = client.post(f"/payments/{paid['id']}/refund")
        assert r.status_code == 200
        assert r.json()["status"] == "REFUNDED"
    assert [a["status"] for a in bank_records(bank, paid["order_id"])] == ["refunded"]
    declined = pay(client, number=DECLINED)
    r = client.post(f"/payments/{declined['id']}/refund")
    assert r.status_code == 409
    assert r.json()["error"] == {
        "code": "payment_not_refundable",
        "message": "a declined payment charged nothing to refund",
    }
    # A refunded order still answers its payment, and never charges again.
    again = client.post("/payments", json=charge_body(order_id=paid["order_id"]))
    assert again.status_code == 200
    assert again.json()["status"] == "REFUNDED"


def test_pay_with_a_card_token(client: httpx.Client, bank: ServiceProcess) -> None:
    paid = pay(client, number=INSUFFICIENT)
    token = bank_records(bank, paid["order_id"])[0]["card_token"]
    order = new_order()
    r = client.post(
        "/payments",
        json={"order_id": order, "amount": {"amount": 300, "currency": "EUR"}, "card_token": token},
    )
    assert r.status_code == 201
    assert (r.json()["status"], r.json()["card_last4"]) == ("DECLINED", "9995")
    unknown = client.post(
        "/payments",
        json={
            "order_id": new_order(),
            "amount": {"amount": 300, "currency": "EUR"},
            "card_token": "tok_" + "0" * 32,
        },
    )
    assert unknown.status_code == 201
    assert (unknown.json()["status"], unknown.json()["decline_code"]) == (
        "DECLINED",
        "unknown_card_token",
    )


@pytest.mark.parametrize(
    ("method", "path", "headers", "expected"),
    [
        ("POST", "/payments", {}, 401),
        ("POST", "/payments", {"Authorization": "Bearer wrong"}, 403),
        ("POST", "/payments", ADMIN, 403),  # the admin may read, not charge
        ("POST", "/payments", BANK_CLIENT, 403),
        ("GET", "/payments", {}, 401),
        ("GET", "/payments", {"Authorization": "Bearer wrong"}, 403),
        ("GET", "/payments", {"Authorization": "Basic b3JkZXJz"}, 401),
        ("POST", "/payments/00000000-0000-0000-0000-000000000000/refund", ADMIN, 403),
    ],
)
def test_tokens_are_refused(
    payment: ServiceProcess,
    bank: ServiceProcess,
    method: str,
    path: str,
    headers: dict[str, str],
    expected: int,
) -> None:
    body = charge_body()
    r = httpx.request(method, payment.url + path, json=body, headers=headers)
    assert r.status_code == expected, r.text
    assert r.json()["error"]["code"] in {"unauthorized", "forbidden"}
    assert bank_records(bank, body["order_id"]) == []


def _body(**changes: Any) -> dict[str, Any]:
    body = charge_body()
    body.update(changes)
    return body


BAD_CHARGES: list[tuple[str, Any]] = [
    ("malformed json", b'{"order_id": '),
    ("not an object", b'"pay"'),
    ("empty", b"{}"),
    ("string amount", _body(amount={"amount": "100", "currency": "EUR"})),
    ("float amount", _body(amount={"amount": 10.5, "currency": "EUR"})),
    ("bool amount", _body(amount={"amount": True, "currency": "EUR"})),
    ("negative amount", _body(amount={"amount": -100, "currency": "EUR"})),
    ("zero amount", _body(amount={"amount": 0, "currency": "EUR"})),
    ("huge amount", _body(amount={"amount": 10**18, "currency": "EUR"})),
    ("bad currency", _body(amount={"amount": 100, "currency": "eur"})),
    ("amount as number", _body(amount=100)),
    ("bad order id", _body(order_id="a/b")),
    ("empty order id", _body(order_id="")),
    ("order id type", _body(order_id=12)),
    ("no card", {k: v for k, v in charge_body().items() if k != "card"}),
    ("card and token", _body(card_token="tok_" + "0" * 32)),
    (
        "bad token",
        {**{k: v for k, v in charge_body().items() if k != "card"}, "card_token": "nope"},
    ),
    ("luhn", _body(card=card("4242424242424241"))),
    ("letters", _body(card=card("4242-4242-4242-4242"))),
    ("too short", _body(card=card("42424242"))),
    ("too long", _body(card=card("4" * 20))),
    ("number type", _body(card=card(4242424242424242))),
    ("month", _body(card=card(exp_month=0))),
    ("year", _body(card=card(exp_year="2030"))),
    ("cvc", _body(card=card(cvc="12"))),
    ("extra field", _body(tip=5)),
]


@pytest.mark.parametrize(("case", "body"), BAD_CHARGES, ids=[c for c, _ in BAD_CHARGES])
def test_bad_charges_are_4xx_and_charge_nothing(
    client: httpx.Client, bank: ServiceProcess, case: str, body: Any
) -> None:
    if isinstance(body, bytes):
        r = client.post("/payments", content=body, headers={"Content-Type": "application/json"})
    else:
        r = client.post("/payments", json=body)
    assert 400 <= r.status_code < 500, (case, r.status_code, r.text)
    assert r.json()["error"]["code"] in {"validation_error", "invalid_card_number"}
    if isinstance(body, dict) and isinstance(body.get("order_id"), str) and body["order_id"]:
        assert bank_records(bank, body["order_id"]) == []


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [
        ("GET", "/payments/00000000-0000-0000-0000-000000000000", 404),
        ("GET", "/payments/not-a-uuid", 422),
        ("POST", "/payments/00000000-0000-0000-0000-000000000000/refund", 404),
        ("POST", "/payments/not-a-uuid/refund", 422),
        ("GET", "/payments?order_id=a%2Fb", 422),
        ("GET", "/payments?limit=0", 422),
        ("GET", "/payments?limit=1000", 422),
        ("GET", "/payments?offset=-1", 422),
        ("GET", "/payments?status=LOST", 422),
        ("DELETE", "/payments/00000000-0000-0000-0000-000000000000", 405),
    ],
)
def test_bad_requests_on_every_endpoint_are_4xx(
    client: httpx.Client, method: str, path: str, code: int
) -> None:
    r = client.request(method, path)
    assert r.status_code == code, r.text
    assert r.json()["error"]["code"]


async def test_events_are_published(client: httpx.Client, nats_server: NatsServer) -> None:
    ok, declined = pay(client), pay(client, number=DECLINED)
    refunded = pay(client)
    assert client.post(f"/payments/{refunded['id']}/refund").status_code == 200
    expected = {
        (ok["order_id"], "payment.succeeded"),
        (declined["order_id"], "payment.failed"),
        (refunded["order_id"], "payment.succeeded"),
        (refunded["order_id"], "payment.refunded"),
    }
    orders = {o for o, _ in expected}
    seen: list[dict[str, Any]] = []
    for _ in range(300):
        events = await stream_events(nats_server.url, "mercado.>")
        seen = [e for e in events if e.get("source") == "payment" and e["subject"] in orders]
        if {(e["subject"], e["type"]) for e in seen} >= expected:
            break
        await asyncio.sleep(0.1)
    assert sorted((e["subject"], e["type"]) for e in seen) == sorted(expected)  # once each
    for event in seen:
        assert event["_subject"] == f"mercado.payment.{event['type']}"
        assert event["data"]["order_id"] == event["subject"]
        assert event["data"]["amount"] == {"amount": 1999, "currency": "EUR"}
    failed = next(e for e in seen if e["type"] == "payment.failed")
    assert (failed["data"]["status"], failed["data"]["decline_code"]) == (
        "DECLINED",
        "card_declined",
    )


def test_outcomes_are_counted(client: httpx.Client, payment: ServiceProcess) -> None:
    before = {
        o: counter(payment.url, "mercado_payments_total", service_name="payment", outcome=o)
        for o in ("succeeded", "declined", "refunded")
    }
    paid = pay(client)
    pay(client, number=INSUFFICIENT)
    client.post(f"/payments/{paid['id']}/refund")
    after = {
        o: counter(payment.url, "mercado_payments_total", service_name="payment", outcome=o)
        for o in before
    }
    assert {o: after[o] - before[o] for o in before} == {
        "succeeded": 1,
        "declined": 1,
        "refunded": 1,
    }


def test_no_card_number_or_cvc_in_logs_or_database(client: httpx.Client, folder: Path) -> None:
    for number in (SUCCESS, DECLINED, INSUFFICIENT, FAIL_FIRST, "5555555555554444"):
        pay(client, number=number)
    client.post("/payments", json=charge_body(number="4242424242424241"))  # refused
    payment_files = folder / "payment"
    assert any(payment_files.glob("*.log"))
    assert any(payment_files.glob("payment.db*"))
    for number in (*TEST_CARDS, "5555555555554444", "4242424242424241"):
        assert files_containing(payment_files, number.encode()) == [], number
        assert files_containing(folder / "bank", number.encode()) == [], number
    assert files_containing(folder, b'"cvc"') == []
