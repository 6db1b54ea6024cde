"""The bank's ledger as an auditor reads it (in-process, SQLite and PostgreSQL): a capture or
refund moves that one authorization and no other, stamps when it moved, every record reads
back by id and by key, and a card paid again by its token stays that one card."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
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


async def test_a_card_paid_again_by_its_token_is_the_same_card(bank: httpx.AsyncClient) -> None:
    first = await _authorize(bank)
    again = await _authorize(bank, card_token=first["card_token"])
    assert again["status"] == "captured"
    assert (again["card_token"], again["card_last4"]) == (first["card_token"], "4242")
    assert again["id"] != first["id"]
