"""The bank simulator as a real process: test cards, idempotency keys, closing keys,
capture and refund, fault injection, tokens, bad input, and no card number kept."""

from __future__ import annotations

from collections.abc import Iterator
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
    SLOW,
    SUCCESS,
    TEST_CARDS,
    card,
    files_containing,
    new_order,
    set_faults,
    start_bank,
)
from tests.support.processes import NatsServer, ServiceProcess

SLOW_DELAY = 3.0


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bank")


@pytest.fixture(scope="module")
def bank(nats_server: NatsServer, folder: Path) -> Iterator[ServiceProcess]:
    proc = start_bank(nats_server.url, folder, SLOW_CARD_DELAY_SECONDS=str(SLOW_DELAY))
    yield proc
    proc.stop()


@pytest.fixture
def client(bank: ServiceProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=bank.url, headers=BANK_CLIENT, timeout=30) as c:
        yield c


def authorize(
    client: httpx.Client, key: str, number: str = SUCCESS, amount: int = 500, **extra: Any
) -> httpx.Response:
    body = {"amount": {"amount": amount, "currency": "EUR"}, "card": card(number), **extra}
    return client.post("/authorizations", json=body, headers={"Idempotency-Key": key})


def records(client: httpx.Client, **filters: str) -> list[dict[str, Any]]:
    r = client.get("/authorizations", params=filters)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        (SUCCESS, "captured", None),
        (DECLINED, "declined", "card_declined"),
        (INSUFFICIENT, "declined", "insufficient_funds"),
        ("5555555555554444", "captured", None),
    ],
)
def test_card_outcomes(client: httpx.Client, number: str, status: str, code: str | None) -> None:
    r = authorize(client, new_order(), number)
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["status"], body["decline_code"]) == (status, code)
    assert body["approved"] is (status == "captured")
    assert body["card_last4"] == number[-4:]
    assert body["card_token"].startswith("tok_")
    assert body["amount"] == {"amount": 500, "currency": "EUR"}


def test_expired_card_is_declined(client: httpx.Client) -> None:
    body = {"amount": {"amount": 500, "currency": "EUR"}, "card": card(exp_year=2001)}
    r = client.post("/authorizations", json=body, headers={"Idempotency-Key": new_order()})
    assert r.status_code == 201
    assert r.json()["decline_code"] == "expired_card"


def test_same_key_answers_the_same_authorization_once(client: httpx.Client) -> None:
    key = new_order()
    first = authorize(client, key, reference=key)
    again = authorize(client, key, reference=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert len(records(client, idempotency_key=key)) == 1
    # A declined result is just as final under its key.
    key2 = new_order()
    declined = [authorize(client, key2, DECLINED).json()["id"] for _ in range(2)]
    assert declined[0] == declined[1]


def test_same_key_with_another_request_is_a_conflict(client: httpx.Client) -> None:
    key = new_order()
    assert authorize(client, key, amount=500).status_code == 201
    for changed in (
        authorize(client, key, amount=501),
        authorize(client, key, "5555555555554444"),
        authorize(client, key, capture=False),
    ):
        assert changed.status_code == 409, changed.text
        assert changed.json()["error"] == {
            "code": "idempotency_key_reused",
            "message": "this Idempotency-Key was already used for a different request",
        }
    assert len(records(client, idempotency_key=key)) == 1


def test_fail_first_card_fails_once_then_succeeds_under_the_same_key(client: httpx.Client) -> None:
    key = new_order()
    first = authorize(client, key, FAIL_FIRST)
    assert first.status_code == 503
    assert first.json()["error"]["code"] == "bank_unavailable"
    assert records(client, idempotency_key=key) == []  # nothing authorized by the failure
    second = authorize(client, key, FAIL_FIRST)
    assert second.status_code == 201
    assert second.json()["status"] == "captured"
    assert authorize(client, key, FAIL_FIRST).status_code == 200
    assert len(records(client, idempotency_key=key)) == 1
    # A new key fails first again.
    assert authorize(client, new_order(), FAIL_FIRST).status_code == 503


def test_slow_card_is_recorded_before_its_late_answer(bank: ServiceProcess) -> None:
    key = new_order()
    body = {"amount": {"amount": 700, "currency": "EUR"}, "card": card(SLOW), "reference": key}

    def ask(timeout: float) -> httpx.Response:
        return httpx.post(
            f"{bank.url}/authorizations",
            json=body,
            headers={**BANK_CLIENT, "Idempotency-Key": key},
            timeout=timeout,
        )

    with pytest.raises(httpx.TimeoutException):
        ask(0.5)
    # The caller gave up; the bank approved it and can tell so by the key.
    found = httpx.get(f"{bank.url}/authorizations/by-key/{key}", headers=BANK_CLIENT, timeout=30)
    assert found.status_code == 200
    assert found.json()["status"] == "captured"
    # Asked again as impatiently, the bank is as slow as the first time: a payment retrying
    # with a short timeout meets the same slow bank, as a real slow card would behave.
    with pytest.raises(httpx.TimeoutException):
        ask(0.5)
    # A patient caller gets the same authorization, late.
    late = ask(SLOW_DELAY + 30)
    assert late.status_code == 200
    assert late.json()["id"] == found.json()["id"]


def test_lookup_of_an_unknown_key_is_404(client: httpx.Client) -> None:
    r = client.get(f"/authorizations/by-key/{new_order()}")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "authorization_not_found"


def test_closing_an_unused_key_stops_a_late_charge(client: httpx.Client) -> None:
    key = new_order()
    closed = client.post(f"/authorizations/by-key/{key}/close", json={"reference": key})
    assert closed.status_code == 201
    assert closed.json()["status"] == "closed"
    late = authorize(client, key, reference=key)
    assert late.status_code == 200
    assert (late.json()["status"], late.json()["approved"]) == ("closed", False)
    assert [r["status"] for r in records(client, reference=key)] == ["closed"]
    # Closing a key that holds an authorization changes nothing.
    used = new_order()
    auth = authorize(client, used).json()
    again = client.post(f"/authorizations/by-key/{used}/close")
    assert again.status_code == 200
    assert again.json() == auth


def test_capture_and_refund(client: httpx.Client) -> None:
    auth = authorize(client, new_order(), capture=False).json()
    assert auth["status"] == "authorized"
    assert auth["approved"]
    for _ in range(2):
        r = client.post(f"/authorizations/{auth['id']}/capture")
        assert r.status_code == 200
        assert r.json()["status"] == "captured"
    for _ in range(2):
        r = client.post(f"/authorizations/{auth['id']}/refund")
        assert r.status_code == 200
        assert r.json()["status"] == "refunded"
    declined = authorize(client, new_order(), DECLINED).json()
    r = client.post(f"/authorizations/{declined['id']}/refund")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "not_refundable"
    r = client.post(f"/authorizations/{declined['id']}/capture")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "not_capturable"


def test_card_token_pays_again_without_the_number(client: httpx.Client) -> None:
    first = authorize(client, new_order(), INSUFFICIENT).json()
    body = {"amount": {"amount": 100, "currency": "EUR"}, "card_token": first["card_token"]}
    r = client.post("/authorizations", json=body, headers={"Idempotency-Key": new_order()})
    assert r.status_code == 201
    assert (r.json()["decline_code"], r.json()["card_last4"]) == ("insufficient_funds", "9995")


def test_tokens_are_required(bank: ServiceProcess) -> None:
    body = {"amount": {"amount": 100, "currency": "EUR"}, "card": card()}
    key = {"Idempotency-Key": new_order()}
    no_token = httpx.post(f"{bank.url}/authorizations", json=body, headers=key)
    wrong = httpx.post(
        f"{bank.url}/authorizations", json=body, headers={**key, "Authorization": "Bearer nope"}
    )
    assert no_token.status_code == 401
    assert wrong.status_code == 403
    # Fault injection is for the admin only.
    r = httpx.put(f"{bank.url}/admin/faults", json={"failure_rate": 1.0}, headers=BANK_CLIENT)
    assert r.status_code == 403
    assert httpx.get(f"{bank.url}/admin/faults", headers=ADMIN).json()["failure_rate"] == 0.0


def test_fault_injection_changes_behaviour_at_run_time(
    bank: ServiceProcess, client: httpx.Client
) -> None:
    try:
        assert set_faults(bank, failure_rate=1.0)["failure_rate"] == 1.0
        key = new_order()
        for _ in range(3):
            r = authorize(client, key)
            assert r.status_code == 503
            assert r.json()["error"]["code"] == "bank_unavailable"
        set_faults(bank, failure_rate=0.0, latency_ms=2000)
        with pytest.raises(httpx.TimeoutException):
            client.get("/authorizations", timeout=0.5)
        set_faults(bank, latency_ms=0)
        assert records(client, idempotency_key=key) == []  # the failures recorded nothing
        assert authorize(client, key).status_code == 201
    finally:
        set_faults(bank, failure_rate=0.0, latency_ms=0)


BAD_AUTHORIZATIONS: list[tuple[str, Any]] = [
    ("malformed json", b"{not json"),
    ("array", b"[]"),
    ("string amount", {"amount": {"amount": "100", "currency": "EUR"}, "card": card()}),
    ("float amount", {"amount": {"amount": 1.5, "currency": "EUR"}, "card": card()}),
    ("negative amount", {"amount": {"amount": -5, "currency": "EUR"}, "card": card()}),
    ("zero amount", {"amount": {"amount": 0, "currency": "EUR"}, "card": card()}),
    ("bad currency", {"amount": {"amount": 5, "currency": "euro"}, "card": card()}),
    ("no card", {"amount": {"amount": 5, "currency": "EUR"}}),
    (
        "card and token",
        {
            "amount": {"amount": 5, "currency": "EUR"},
            "card": card(),
            "card_token": "tok_" + "0" * 32,
        },
    ),
    ("luhn", {"amount": {"amount": 5, "currency": "EUR"}, "card": card("4242424242424241")}),
    ("letters", {"amount": {"amount": 5, "currency": "EUR"}, "card": card("4242abcd42424242")}),
    ("short", {"amount": {"amount": 5, "currency": "EUR"}, "card": card("4242")}),
    ("month 13", {"amount": {"amount": 5, "currency": "EUR"}, "card": card(exp_month=13)}),
    ("cvc", {"amount": {"amount": 5, "currency": "EUR"}, "card": card(cvc="12a")}),
    (
        "unknown token",
        {"amount": {"amount": 5, "currency": "EUR"}, "card_token": "tok_" + "0" * 32},
    ),
    ("extra field", {"amount": {"amount": 5, "currency": "EUR"}, "card": card(), "x": 1}),
]

# What each is told: the code a client acts on, and a message naming the field at fault.
REFUSALS = {
    "malformed json": ("validation_error", "invalid input: body.1"),
    "array": ("validation_error", "invalid input: body"),
    "string amount": ("validation_error", "invalid input: body.amount.amount"),
    "float amount": ("validation_error", "invalid input: body.amount.amount"),
    "negative amount": ("validation_error", "invalid input: body.amount.amount"),
    "zero amount": ("validation_error", "invalid input: body.amount.amount"),
    "bad currency": ("validation_error", "invalid input: body.amount.currency"),
    "no card": ("validation_error", "invalid input: body"),
    "card and token": ("validation_error", "invalid input: body"),
    "luhn": ("invalid_card_number", "card number is not a valid card number"),
    "letters": ("validation_error", "invalid input: body.card.number"),
    "short": ("validation_error", "invalid input: body.card.number"),
    "month 13": ("validation_error", "invalid input: body.card.exp_month"),
    "cvc": ("validation_error", "invalid input: body.card.cvc"),
    "unknown token": ("unknown_card_token", "no card is known under this card_token"),
    "extra field": ("validation_error", "invalid input: body.x"),
}


@pytest.mark.parametrize(
    ("case", "body"), BAD_AUTHORIZATIONS, ids=[c for c, _ in BAD_AUTHORIZATIONS]
)
def test_bad_authorizations_are_422_with_their_reason(
    client: httpx.Client, case: str, body: Any
) -> None:
    key = {"Idempotency-Key": new_order(), "Content-Type": "application/json"}
    if isinstance(body, bytes):
        r = client.post("/authorizations", content=body, headers=key)
    else:
        r = client.post("/authorizations", json=body, headers=key)
    assert r.status_code == 422, (case, r.text)
    error = r.json()["error"]
    assert (error["code"], error["message"]) == REFUSALS[case]
    assert records(client, idempotency_key=key["Idempotency-Key"]) == []  # nothing recorded


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        (
            "POST",
            "/authorizations",
            {"json": {"amount": {"amount": 5, "currency": "EUR"}, "card": card()}},
        ),  # no Idempotency-Key
        (
            "POST",
            "/authorizations",
            {
                "json": {"amount": {"amount": 5, "currency": "EUR"}, "card": card()},
                "headers": {"Idempotency-Key": "bad key!"},
            },
        ),
        ("GET", "/authorizations/nope", {}),
        ("GET", "/authorizations/by-key/bad key!", {}),
        ("POST", "/authorizations/nope/refund", {}),
        ("POST", "/authorizations/nope/capture", {}),
        ("GET", "/authorizations?limit=0", {}),
        ("GET", "/authorizations?status=bogus", {}),
        ("POST", "/authorizations/by-key/k1/close", {"json": {"reference": 5}}),
        ("PUT", "/admin/faults", {"json": {"failure_rate": 2}, "headers": ADMIN}),
        ("PUT", "/admin/faults", {"json": {"failure_rate": "0.5"}, "headers": ADMIN}),
        ("PUT", "/admin/faults", {"json": {"latency_ms": -1}, "headers": ADMIN}),
        ("PUT", "/admin/faults", {"content": b"{", "headers": ADMIN}),
    ],
)
def test_bad_requests_on_every_endpoint_are_4xx(
    client: httpx.Client, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    r = client.request(method, path, **kwargs)
    assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
    assert r.json()["error"]["code"]


def test_no_card_number_in_logs_or_database(
    bank: ServiceProcess, client: httpx.Client, folder: Path
) -> None:
    for number in (SUCCESS, DECLINED, INSUFFICIENT, "5555555555554444"):
        assert authorize(client, new_order(), number).status_code == 201
    key = new_order()
    assert [authorize(client, key, FAIL_FIRST).status_code for _ in range(2)] == [503, 201]
    with pytest.raises(httpx.TimeoutException):
        client.post(
            "/authorizations",
            json={"amount": {"amount": 5, "currency": "EUR"}, "card": card(SLOW)},
            headers={"Idempotency-Key": new_order()},
            timeout=0.5,
        )
    assert authorize(client, new_order(), "4242424242424241").status_code == 422
    for number in (*TEST_CARDS, "5555555555554444", "4242424242424241"):
        assert files_containing(folder, number.encode()) == [], number
    assert files_containing(folder, b'"cvc"') == []


def test_restart_keeps_idempotency_and_env_sets_faults(
    bank: ServiceProcess, client: httpx.Client
) -> None:
    key = new_order()
    first = authorize(client, key).json()
    bank.stop()
    bank.env.update(FAILURE_RATE="1.0", LATENCY_MS="10")
    bank.start()
    try:
        faults = httpx.get(f"{bank.url}/admin/faults", headers=ADMIN).json()
        assert faults == {"latency_ms": 10, "failure_rate": 1.0}
        assert authorize(client, key).status_code == 503
        set_faults(bank, failure_rate=0.0, latency_ms=0)
        again = authorize(client, key)
        assert again.status_code == 200
        assert again.json()["id"] == first["id"]
        assert len(records(client, idempotency_key=key)) == 1
    finally:
        set_faults(bank, failure_rate=0.0, latency_ms=0)
