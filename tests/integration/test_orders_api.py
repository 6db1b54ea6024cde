"""Orders in-process with its real lifespan: what it answers while catalog is down."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from mercado_orders.app import create_app
from mercado_orders.settings import OrdersSettings
from tests.support.apps import ADMIN, GATEWAY, dev_settings, serve_in_process
from tests.support.processes import NatsServer, free_port
from tests.support.shop import card

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
async def orders(tmp_path: Path, nats: NatsServer) -> AsyncIterator[httpx.AsyncClient]:
    nowhere = f"http://127.0.0.1:{free_port()}"
    settings = dev_settings(
        OrdersSettings,
        "orders",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}",
        nats_url=nats.url,
        log_json=False,
        catalog={"url": nowhere},
        inventory={"url": nowhere},
        payment={"url": nowhere},
    )
    async with serve_in_process(create_app(settings), "http://orders") as client:
        yield client


async def test_catalog_down_is_503_and_stores_nothing(orders: httpx.AsyncClient) -> None:
    body = {
        "customer": {"email": "a@example.com"},
        "lines": [{"product_id": "00000000-0000-0000-0000-000000000000", "quantity": 1}],
        "payment": card(),
    }
    r = await orders.post("/orders", json=body, headers={**GATEWAY, "Idempotency-Key": "down-1"})
    assert r.status_code == 503
    assert r.json()["error"]["code"] == "dependency_unavailable"
    listed = await orders.get("/orders", params={"customer": "a@example.com"}, headers=ADMIN)
    assert listed.json()["total"] == 0


@pytest.mark.parametrize(
    ("key", "code"),
    [("with space", "invalid_idempotency_key"), ("é", "invalid_idempotency_key"), ("", None)],
)
async def test_orders_applies_the_gateways_idempotency_key_rule(
    orders: httpx.AsyncClient, key: str, code: str | None
) -> None:
    body = {
        "customer": {"email": "a@example.com"},
        "lines": [{"product_id": "00000000-0000-0000-0000-000000000000", "quantity": 1}],
        "payment": card(),
    }
    r = await orders.post(
        "/orders", json=body, headers={**GATEWAY, "Idempotency-Key": key.encode()}
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == (code or "idempotency_key_required")


async def test_orders_refuses_a_card_token_payment_would_refuse(orders: httpx.AsyncClient) -> None:
    body = {
        "customer": {"email": "a@example.com"},
        "lines": [{"product_id": "00000000-0000-0000-0000-000000000000", "quantity": 1}],
        "payment": {"card_token": "card-token:123"},
    }
    r = await orders.post("/orders", json=body, headers={**GATEWAY, "Idempotency-Key": "token-1"})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"
