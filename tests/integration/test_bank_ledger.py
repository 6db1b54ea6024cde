"""The bank's ledger as an auditor reads it (in-process, SQLite and PostgreSQL): a capture or
refund moves that one authorization and no other, stamps when it moved, every record reads
back by id and by key, the ledger lists one order's authorizations in time order and by
status, a refused move says why, and a card paid again by its token stays that one card."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from mercado_bank.app import create_app
from mercado_bank.settings import BankSettings
from tests.support.apps import ADMIN, dev_settings, serve_in_process
from tests.support.processes import NatsServer

pytestmark = pytest.mark.asyncio(loop_scope="session")

PAYMENT = {"Authorization": "Bearer payment-dev-token"}
CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}


@pytest.fixture
async def bank(database_url: str, nats: NatsServer) -> AsyncIterator[httpx.AsyncClient]:
    settings = dev_settings(
        BankSettings, "bank", database_url=database_url, nats_url=nats.url, log_json=False
    )
    async with serve_in_process(create_app(settings), "http://bank") as client:
        yield client


async def _authorize(bank: httpx.AsyncClient, **body: Any) -> dict[str, Any]:
    payload = {"amount": {"amount": 700, "currency": "EUR"}, "card": CARD, **body}
    if "card_token" in body:
        payload.pop("card")
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    r = await bank.post("/authorizations", json=payload, headers={**PAYMENT, **key})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _read(bank: httpx.AsyncClient, auth_id: str) -> dict[str, Any]:
    r = await bank.get(f"/authorizations/{auth_id}", headers=ADMIN)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_a_capture_or_refund_moves_that_authorization_only(
    bank: httpx.AsyncClient,
) -> None:
    held = [await _authorize(bank, capture=False) for _ in range(3)]
    assert [h["status"] for h in held] == ["authorized"] * 3
    first, second, third = held

    captured = await bank.post(f"/authorizations/{first['id']}/capture", headers=PAYMENT)
    assert captured.status_code == 200, captured.text
    assert captured.json()["status"] == "captured"
    assert captured.json()["updated_at"] > first["updated_at"]
    refunded = await bank.post(f"/authorizations/{second['id']}/refund", headers=PAYMENT)
    assert refunded.status_code == 200 and refunded.json()["status"] == "refunded"

    assert (await _read(bank, first["id"]))["status"] == "captured"
    assert (await _read(bank, second["id"]))["status"] == "refunded"
    assert await _read(bank, third["id"]) == third  # untouched, not even its time stamp


async def test_every_authorization_reads_back_by_id_and_by_key(bank: httpx.AsyncClient) -> None:
    made = await _authorize(bank, reference="order-7")
    assert made["reference"] == "order-7"
    assert await _read(bank, made["id"]) == made
    by_key = await bank.get(f"/authorizations/by-key/{made['idempotency_key']}", headers=ADMIN)
    assert by_key.status_code == 200 and by_key.json() == made

    missing = str(uuid.uuid4())
    r = await bank.get(f"/authorizations/{missing}", headers=ADMIN)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "authorization_not_found"
    assert missing in r.json()["error"]["message"]
    r = await bank.get("/authorizations/by-key/never-used", headers=ADMIN)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "authorization_not_found"
    for action in ("capture", "refund"):
        r = await bank.post(f"/authorizations/{missing}/{action}", headers=PAYMENT)
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "authorization_not_found"
        assert missing in r.json()["error"]["message"]


async def test_a_card_paid_again_by_its_token_is_the_same_card(bank: httpx.AsyncClient) -> None:
    """The token keeps the card's expiry: one valid through December of this year is
    approved again by its token, one that expired last year is declined again."""
    this_year = datetime.now(UTC).year
    first = await _authorize(bank, card={**CARD, "exp_month": 12, "exp_year": this_year})
    again = await _authorize(bank, card_token=first["card_token"])
    assert again["status"] == "captured"
    assert (again["card_token"], again["card_last4"]) == (first["card_token"], "4242")
    assert again["id"] != first["id"]

    old = await _authorize(bank, card={**CARD, "exp_month": 12, "exp_year": this_year - 1})
    assert (old["status"], old["decline_code"]) == ("declined", "expired_card")
    old_again = await _authorize(bank, card_token=old["card_token"])
    assert (old_again["status"], old_again["decline_code"]) == ("declined", "expired_card")


async def _list(bank: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    r = await bank.get("/authorizations", params=params, headers=ADMIN)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_the_ledger_lists_by_reference_and_status_in_time_order(
    bank: httpx.AsyncClient,
) -> None:
    """What an auditor does: everything for one order, then only what was captured."""
    ref = f"order-{uuid.uuid4()}"
    made = [
        await _authorize(bank, reference=ref),
        await _authorize(bank, reference=ref, capture=False),
        await _authorize(bank, reference=ref),
    ]
    await _authorize(bank, reference="another-order")
    everything = await _list(bank, reference=ref)
    assert everything["total"] == 3
    assert [a["id"] for a in everything["items"]] == [m["id"] for m in made]

    captured = await _list(bank, reference=ref, status="captured")
    assert captured["total"] == 2
    assert [a["id"] for a in captured["items"]] == [made[0]["id"], made[2]["id"]]
    held = await _list(bank, reference=ref, status="authorized")
    assert [a["id"] for a in held["items"]] == [made[1]["id"]]

    first_page = await _list(bank, reference=ref, limit=2)
    assert [a["id"] for a in first_page["items"]] == [made[0]["id"], made[1]["id"]]
    second_page = await _list(bank, reference=ref, limit=2, offset=2)
    assert second_page["total"] == 3
    assert [a["id"] for a in second_page["items"]] == [made[2]["id"]]
    assert await _list(bank, reference="no-such-order") == {
        "items": [],
        "total": 0,
        "limit": 20,
        "offset": 0,
    }


async def test_a_refused_move_is_a_409_that_says_why(bank: httpx.AsyncClient) -> None:
    declined = await _authorize(bank, card={**CARD, "number": "4000000000000002"})
    assert declined["status"] == "declined"
    r = await bank.post(f"/authorizations/{declined['id']}/capture", headers=PAYMENT)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "not_capturable"
    assert r.json()["error"]["message"] == "a declined authorization cannot be captured"
    r = await bank.get("/authorizations/by-key/never-used", headers=ADMIN)
    assert r.json()["error"]["message"] == "no authorization under this key"


async def test_a_key_reused_with_another_card_token_is_a_conflict(
    bank: httpx.AsyncClient,
) -> None:
    """A replay must be the same request: paying under one key with another card's token
    is refused, not answered with the first card's authorization."""
    one = await _authorize(bank)
    other = await _authorize(bank, card={**CARD, "number": "5555555555554444"})
    key = {"Idempotency-Key": f"k-{uuid.uuid4()}"}
    body = {"amount": {"amount": 700, "currency": "EUR"}, "card_token": one["card_token"]}
    first = await bank.post("/authorizations", json=body, headers={**PAYMENT, **key})
    assert first.status_code == 201, first.text
    swapped = {**body, "card_token": other["card_token"]}
    r = await bank.post("/authorizations", json=swapped, headers={**PAYMENT, **key})
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "idempotency_key_reused"
