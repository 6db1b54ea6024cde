"""Orders in-process with its real lifespan: what it answers while catalog is down, and
when payment does not give the card's token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from mercado_orders.app import create_app
from mercado_orders.settings import OrdersSettings
from tests.integration.test_payment_support import start_payment
from tests.support.aiohttp_stub import serve
from tests.support.apps import ADMIN, GATEWAY, dev_settings, serve_in_process
from tests.support.logs import captured
from tests.support.processes import NatsServer, ServiceProcess, free_port
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


PLACE_LOG = "mercado.orders.place"


@pytest.fixture(scope="module")
def catalog(
    nats_server: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServiceProcess, str]]:
    """A real catalog with one product: its process, and the product's id."""
    root = tmp_path_factory.mktemp("orders-catalog")
    proc = ServiceProcess(
        "catalog",
        {"DATABASE_URL": f"sqlite+aiosqlite:///{root / 'catalog.db'}", "NATS_URL": nats_server.url},
        root,
    ).start()
    try:
        with httpx.Client(base_url=proc.url, headers=ADMIN, timeout=30) as http:
            http.post("/categories", json={"slug": "cards", "name": "Cards"})
            r = http.post(
                "/products",
                json={
                    "sku": "CARD-1",
                    "name": "Gift box",
                    "category": "cards",
                    "price": {"amount": 1200, "currency": "EUR"},
                },
            )
            assert r.status_code == 201, r.text
            yield proc, str(r.json()["id"])
    finally:
        proc.stop()


@asynccontextmanager
async def orders_with(
    tmp_path: Path, nats: NatsServer, catalog_url: str, payment: dict[str, Any]
) -> AsyncIterator[httpx.AsyncClient]:
    settings = dev_settings(
        OrdersSettings,
        "orders",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}",
        nats_url=nats.url,
        log_json=False,
        catalog={"url": catalog_url},
        inventory={"url": f"http://127.0.0.1:{free_port()}"},
        payment={"attempts": 1, **payment},
    )
    async with serve_in_process(create_app(settings), "http://orders") as client:
        yield client


async def _place_with_a_card(orders: httpx.AsyncClient, product_id: str) -> httpx.Response:
    body = {
        "customer": {"email": "tokens@example.com"},
        "lines": [{"product_id": product_id, "quantity": 1}],
        "payment": card(),
    }
    return await orders.post("/orders", json=body, headers={**GATEWAY, "Idempotency-Key": "tok-1"})


async def _kept(orders: httpx.AsyncClient) -> int:
    listed = await orders.get("/orders", params={"customer": "tokens@example.com"}, headers=ADMIN)
    assert listed.status_code == 200, listed.text
    return int(listed.json()["total"])


UNAVAILABLE = ("dependency_unavailable", "payment is unavailable, try again shortly")

# Answers today's payment never gives (its bank accepts every card orders accepts, and it
# always answers a token): a stand-in gives them, as a stricter bank or a faulty payment would.
CARD_TOKEN_ANSWERS = [
    (
        "the bank refuses the card",
        422,
        {"error": {"code": "card_refused", "message": "the bank refused this card"}},
        (422, "invalid_card", "the card was refused: check its number and expiry date"),
        [],
    ),
    ("no token", 201, {"card_last4": "4242"}, (503, *UNAVAILABLE), ["HTTP 201"]),
    ("a token that is no string", 201, {"card_token": 42}, (503, *UNAVAILABLE), ["HTTP 201"]),
    ("no object", 201, ["tok_" + "1" * 32], (503, *UNAVAILABLE), ["HTTP 201"]),
]


@pytest.mark.parametrize(
    ("case", "status", "body", "answer", "said"),
    CARD_TOKEN_ANSWERS,
    ids=[case for case, *_ in CARD_TOKEN_ANSWERS],
)
async def test_an_order_whose_card_payment_does_not_tokenise_is_refused_and_not_kept(
    tmp_path: Path,
    nats: NatsServer,
    catalog: tuple[ServiceProcess, str],
    case: str,
    status: int,
    body: object,
    answer: tuple[int, str, str],
    said: list[str],
) -> None:
    """A card the bank refuses is the customer's to fix (422); any other answer without a
    token is payment's fault (503, and the log says what payment answered). Either way no
    order is kept, so nothing will ever charge it."""

    async def card_tokens(request: web.Request) -> web.Response:
        assert (request.method, request.path) == ("POST", "/card-tokens")
        return web.json_response(body, status=status)

    proc, product_id = catalog
    async with (
        serve(card_tokens) as payment_url,
        orders_with(tmp_path, nats, proc.url, {"url": payment_url}) as orders,
    ):
        with captured(PLACE_LOG) as lines:
            r = await _place_with_a_card(orders, product_id)
        error = r.json()["error"]
        assert (r.status_code, error["code"], error["message"]) == answer, case
        assert await _kept(orders) == 0
    assert lines == [f"payment gave no card token: {s}" for s in said]


async def test_payment_refusing_orders_token_at_tokenising_is_503_and_says_why(
    tmp_path: Path,
    nats: NatsServer,
    catalog: tuple[ServiceProcess, str],
) -> None:
    """Orders configured with a wrong token for payment (a real payment here): the customer
    is told to try again, the log gives payment's answer to fix it by, nothing is kept."""
    proc, product_id = catalog
    payment = start_payment(nats.url, tmp_path / "payment", f"http://127.0.0.1:{free_port()}")
    try:
        wrong = {"url": payment.url, "token": "not-orders-token"}
        async with orders_with(tmp_path, nats, proc.url, wrong) as orders:
            with captured(PLACE_LOG) as lines:
                r = await _place_with_a_card(orders, product_id)
            assert (r.status_code, r.json()["error"]["code"]) == (503, UNAVAILABLE[0])
            assert await _kept(orders) == 0
    finally:
        payment.stop()
    assert lines == ["payment gave no card token: HTTP 403"]
