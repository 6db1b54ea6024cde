"""Orders in-process with its real lifespan: what it answers while catalog is down, and
when payment does not give the card's token."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from mercado_contracts.limits import MAX_LINE_QUANTITY, MAX_ORDER_LINES
from mercado_contracts.money import MAX_AMOUNT, MAX_UNIT_PRICE
from mercado_orders.app import create_app
from mercado_orders.settings import OrdersSettings
from tests.integration.test_payment_support import start_payment
from tests.support.aiohttp_stub import serve
from tests.support.apps import ADMIN, GATEWAY, dev_settings, serve_in_process
from tests.support.logs import captured
from tests.support.processes import NatsServer, ServiceProcess, free_port
from tests.support.shop import card, until

pytestmark = pytest.mark.asyncio(loop_scope="session")


@asynccontextmanager
async def orders_with(
    tmp_path: Path,
    nats: NatsServer,
    catalog_url: str,
    payment: dict[str, Any],
    inventory_url: str | None = None,
    **extra: object,
) -> AsyncIterator[httpx.AsyncClient]:
    settings = dev_settings(
        OrdersSettings,
        "orders",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}",
        nats_url=nats.url,
        log_json=False,
        catalog={"url": catalog_url},
        inventory={"url": inventory_url or f"http://127.0.0.1:{free_port()}"},
        payment={"attempts": 1, **payment},
        **extra,
    )
    async with serve_in_process(create_app(settings), "http://orders") as client:
        yield client


@pytest.fixture
async def orders(tmp_path: Path, nats: NatsServer) -> AsyncIterator[httpx.AsyncClient]:
    """Orders whose catalog, inventory and payment all are nowhere."""
    nowhere = f"http://127.0.0.1:{free_port()}"
    async with orders_with(tmp_path, nats, nowhere, {"url": nowhere}, nowhere) as client:
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


@dataclass
class Catalog:
    """A real catalog process, and the id of each of its products by SKU."""

    proc: ServiceProcess
    ids: dict[str, str]


# SKU -> price: a gift box in euros, one in dollars, and one at the highest unit price.
PRODUCTS = {"CARD-1": (1200, "EUR"), "CARD-USD": (1500, "USD"), "CARD-TOP": (MAX_UNIT_PRICE, "EUR")}


@pytest.fixture(scope="module")
def catalog(nats_server: NatsServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    root = tmp_path_factory.mktemp("orders-catalog")
    proc = ServiceProcess(
        "catalog",
        {"DATABASE_URL": f"sqlite+aiosqlite:///{root / 'catalog.db'}", "NATS_URL": nats_server.url},
        root,
    ).start()
    try:
        ids = {}
        with httpx.Client(base_url=proc.url, headers=ADMIN, timeout=30) as http:
            http.post("/categories", json={"slug": "cards", "name": "Cards"})
            for sku, (amount, currency) in PRODUCTS.items():
                product = {
                    "sku": sku,
                    "name": f"Gift box {sku}",
                    "category": "cards",
                    "price": {"amount": amount, "currency": currency},
                }
                r = http.post("/products", json=product)
                assert r.status_code == 201, r.text
                ids[sku] = str(r.json()["id"])
        yield Catalog(proc, ids)
    finally:
        proc.stop()


TOKEN = {"card_token": "tok_" + "1" * 32}


def _order(*lines: tuple[str, int], payment: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "customer": {"email": "placing@example.com"},
        "lines": [{"product_id": pid, "quantity": q} for pid, q in lines],
        "payment": payment or TOKEN,
    }


async def _post(orders: httpx.AsyncClient, body: dict[str, Any], key: str) -> httpx.Response:
    return await orders.post("/orders", json=body, headers={**GATEWAY, "Idempotency-Key": key})


async def _kept(orders: httpx.AsyncClient) -> int:
    """How many orders the customer of ``_order`` has."""
    listed = await orders.get("/orders", params={"customer": "placing@example.com"}, headers=ADMIN)
    assert listed.status_code == 200, listed.text
    return int(listed.json()["total"])


def _error(r: httpx.Response) -> tuple[int, str, str, dict[str, Any] | None]:
    error = r.json()["error"]
    return r.status_code, error["code"], error["message"], error.get("details")


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
    catalog: Catalog,
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

    async with (
        serve(card_tokens) as payment_url,
        orders_with(tmp_path, nats, catalog.proc.url, {"url": payment_url}) as orders,
    ):
        with captured(PLACE_LOG) as lines:
            r = await _post(orders, _order((catalog.ids["CARD-1"], 1), payment=card()), "tok-1")
        assert _error(r)[:3] == answer, case
        assert await _kept(orders) == 0
    assert lines == [f"payment gave no card token: {s}" for s in said]


async def test_payment_refusing_orders_token_at_tokenising_is_503_and_says_why(
    tmp_path: Path,
    nats: NatsServer,
    catalog: Catalog,
) -> None:
    """Orders configured with a wrong token for payment (a real payment here): the customer
    is told to try again, the log gives payment's answer to fix it by, nothing is kept."""
    payment = start_payment(nats.url, tmp_path / "payment", f"http://127.0.0.1:{free_port()}")
    try:
        wrong = {"url": payment.url, "token": "not-orders-token"}
        async with orders_with(tmp_path, nats, catalog.proc.url, wrong) as orders:
            with captured(PLACE_LOG) as lines:
                r = await _post(orders, _order((catalog.ids["CARD-1"], 1), payment=card()), "tok-1")
            assert (r.status_code, r.json()["error"]["code"]) == (503, UNAVAILABLE[0])
            assert await _kept(orders) == 0
    finally:
        payment.stop()
    assert lines == ["payment gave no card token: HTTP 403"]


async def test_orders_are_priced_by_the_real_catalog_within_the_limits(
    tmp_path: Path, nats: NatsServer, catalog: Catalog
) -> None:
    """What the catalog's prices allow and refuse: an unknown product names every id
    missing, two currencies in one order are refused, and the largest order the limits
    allow (every line at the most units of the dearest product) is taken, whole."""
    ids = catalog.ids
    unknown = str(uuid.uuid4())
    async with orders_with(tmp_path, nats, catalog.proc.url, {"url": "http://127.0.0.1:9"}) as o:
        r = await _post(o, _order((ids["CARD-1"], 1), (unknown, 1)), "price-1")
        assert _error(r) == (
            422,
            "unknown_product",
            f"no product with id {unknown}",
            {"product_ids": [unknown]},
        )
        r = await _post(o, _order((ids["CARD-1"], 1), (ids["CARD-USD"], 1)), "price-2")
        assert _error(r)[:3] == (
            422,
            "mixed_currency",
            "all products of one order must be priced in the same currency",
        )
        largest = _order(*[(ids["CARD-TOP"], MAX_LINE_QUANTITY)] * MAX_ORDER_LINES)
        r = await _post(o, largest, "price-3")
        assert r.status_code == 201, r.text
        assert r.json()["total"] == {"amount": MAX_AMOUNT, "currency": "EUR"}
        assert await _kept(o) == 1  # only the order taken is kept


# A catalog answering what today's catalog never does (a price above the unit limit, a body
# that is no product): a stand-in, as an older or a faulty catalog would answer.
CATALOG_ANSWERS = [
    (
        "a price above the unit limit",
        {"sku": "BIG-1", "name": "Big", "price": {"amount": MAX_UNIT_PRICE + 1, "currency": "EUR"}},
        (422, "order_total_too_large", f"an order may total at most {MAX_AMOUNT} minor units"),
    ),
    (
        "no product",
        {"unexpected": True},
        (503, "dependency_unavailable", "catalog answered unexpectedly"),
    ),
]


@pytest.mark.parametrize(
    ("case", "product", "answer"), CATALOG_ANSWERS, ids=[c for c, *_ in CATALOG_ANSWERS]
)
async def test_a_catalog_answer_orders_cannot_take_is_refused_and_not_kept(
    tmp_path: Path,
    nats: NatsServer,
    case: str,
    product: dict[str, Any],
    answer: tuple[int, str, str],
) -> None:
    async def products(request: web.Request) -> web.Response:
        assert request.method == "GET" and request.path.startswith("/products/")
        return web.json_response(product)

    async with (
        serve(products) as catalog_url,
        orders_with(tmp_path, nats, catalog_url, {"url": "http://127.0.0.1:9"}) as orders,
    ):
        lines = [(str(uuid.uuid4()), MAX_LINE_QUANTITY)] * MAX_ORDER_LINES
        r = await _post(orders, _order(*lines), "catalog-1")
        assert _error(r)[:3] == answer, case
        assert await _kept(orders) == 0


async def test_a_retry_is_answered_from_the_stored_order_and_a_reused_key_is_refused(
    tmp_path: Path, nats: NatsServer, catalog: Catalog
) -> None:
    """The same key with the same request is the same order, answered from what was
    stored: the card is not tokenised again (nor the order priced again). The same key with
    another request is refused, saying what to do."""
    tokenised: list[str] = []

    async def card_tokens(request: web.Request) -> web.Response:
        tokenised.append(request.path)
        body = {"card_token": "tok_" + "2" * 32, "card_last4": "4242"}
        return web.json_response(body, status=201)

    async with (
        serve(card_tokens) as payment_url,
        orders_with(tmp_path, nats, catalog.proc.url, {"url": payment_url}) as orders,
    ):
        body = _order((catalog.ids["CARD-1"], 2), payment=card())
        first = await _post(orders, body, "retry-1")
        again = await _post(orders, body, "retry-1")
        other = await _post(orders, _order((catalog.ids["CARD-1"], 3), payment=card()), "retry-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert tokenised == ["/card-tokens"]
    assert _error(other) == (
        409,
        "idempotency_key_reused",
        "this Idempotency-Key was already used for a different order request; "
        "use a new key for a new order",
        None,
    )


async def test_a_new_order_is_driven_at_once_by_the_replica_that_took_it(
    tmp_path: Path, nats: NatsServer, catalog: Catalog
) -> None:
    """The order's saga starts as soon as it is stored: inventory is asked for its stock
    right away, not at the recovery loop's next scan (an hour away here). Inventory is a
    stand-in that only records what it is asked (and answers 503)."""
    asked: list[dict[str, Any]] = []

    async def inventory(request: web.Request) -> web.Response:
        if request.path == "/reservations":
            asked.append(await request.json())
        return web.json_response({"error": {"code": "busy", "message": "busy"}}, status=503)

    async with (
        serve(inventory) as inventory_url,
        orders_with(
            tmp_path,
            nats,
            catalog.proc.url,
            {"url": "http://127.0.0.1:9"},
            inventory_url,
            recovery_interval_seconds=3600,
        ) as orders,
    ):
        r = await _post(orders, _order((catalog.ids["CARD-1"], 2)), "at-once-1")
        assert r.status_code == 201, r.text
        await until(lambda: asked or None, 20, "orders to ask inventory")
    assert asked[0]["order_id"] == r.json()["id"]
    assert asked[0]["lines"] == [{"sku": "CARD-1", "quantity": 2}]


async def test_an_order_whose_charge_payment_has_not_answered_shows_the_card_it_is_on(
    tmp_path: Path, nats: NatsServer, catalog: Catalog
) -> None:
    """Stock reserved, the charge sent, and payment down: the customer's order shows its
    payment pending on the card they gave (its last digits, from the order itself, as
    payment has not answered). Inventory and payment are stand-ins: inventory reserves,
    payment gives a token and then no longer answers charges."""

    async def inventory(request: web.Request) -> web.Response:
        return web.json_response({"status": "ACTIVE"}, status=201)

    async def payment(request: web.Request) -> web.Response:
        if request.path == "/card-tokens":
            body = {"card_token": "tok_" + "3" * 32, "card_last4": "4242"}
            return web.json_response(body, status=201)
        return web.json_response({"error": {"code": "down", "message": "down"}}, status=503)

    async with (
        serve(inventory) as inventory_url,
        serve(payment) as payment_url,
        orders_with(tmp_path, nats, catalog.proc.url, {"url": payment_url}, inventory_url) as o,
    ):
        r = await _post(o, _order((catalog.ids["CARD-1"], 1), payment=card()), "shown-1")
        assert r.status_code == 201, r.text

        async def charged() -> dict[str, Any] | None:
            shown = (await o.get(f"/orders/{r.json()['id']}", headers=ADMIN)).json()
            return shown if shown["payment"] is not None else None

        shown = await until(charged, 20, "the charge to be sent")
    assert shown["status"] == "PAYMENT_PENDING"
    assert shown["payment"] == {"status": "PENDING", "card_last4": "4242", "decline_code": None}
