"""The gateway as a real process in front of real catalog and inventory processes (seeded
with the demo catalog) and a scripted orders stand-in that records what it receives."""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.browse import BrowseStack, browse_stack
from tests.support.processes import free_port, wait_for

ADMIN_TOKEN = "gateway-test-admin"
GATEWAY_TOKEN = "gateway-test-token"
TOKEN = "ord_" + "A" * 43  # shaped like an order access token
# A body the gateway lets through (orders, here a stand-in, decides the rest).
ORDER = {
    "customer": {"email": "a@example.com"},
    "lines": [{"product_id": "0b7c4f7e-6a55-4c1e-9a37-2f3a1c9b8d10", "quantity": 1}],
    "payment": {"card_token": "tok_" + "0" * 32},
}
STATIC = Path(__file__).resolve().parents[2] / "services/gateway/src/mercado_gateway/static"


@dataclass
class FakeOrders:
    """Answers each request with the next scripted (status, body); records every request."""

    script: list[tuple[int, Any]] = field(default_factory=list)
    seen: list[dict[str, Any]] = field(default_factory=list)
    port: int = field(default_factory=free_port)

    def serve(self) -> ThreadingHTTPServer:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                fake.seen.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers.items()),
                        "body": json.loads(raw) if raw else None,
                    }
                )
                status, body = fake.script.pop(0) if fake.script else (503, {"error": {}})
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server


@dataclass
class Stack(BrowseStack):
    orders: FakeOrders


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    orders = FakeOrders()
    server = orders.serve()
    try:
        with browse_stack(
            tmp_path_factory.mktemp("gateway"),
            ADMIN_TOKEN,
            f"http://127.0.0.1:{orders.port}",
            common={"RELAY_INTERVAL_SECONDS": "0.2"},
            gateway={
                "ORDERS__TOKEN": GATEWAY_TOKEN,
                "CATALOG__BREAKER_RECOVERY_SECONDS": "2",
                "ORDERS__BREAKER_RECOVERY_SECONDS": "2",
            },
        ) as shop:
            # Stock reaches the catalog through inventory's events: let them all arrive, so
            # that two reads of one page compare equal.
            wait_for(
                lambda: all(
                    p["availability"]["available"] is not None
                    for p in httpx.get(
                        f"{shop.catalog.url}/products", params={"limit": 100}
                    ).json()["items"]
                ),
                60,
                0.2,
                "stock levels on the catalog",
            )
            yield Stack(shop.catalog, shop.inventory, shop.gateway, orders)
    finally:
        server.shutdown()


def error_code(r: httpx.Response) -> str:
    assert r.headers["content-type"].startswith("application/json"), r.text
    return str(r.json()["error"]["code"])


def test_catalog_routes_answer_what_catalog_answers(stack: Stack) -> None:
    for params in (
        {},
        {"q": "coffee"},
        {"category": "books", "sort": "-price", "limit": 5},
        {"in_stock": "true", "min_price": 1000, "max_price": 5000, "offset": 3},
    ):
        via_gateway = httpx.get(f"{stack.url}/api/products", params=params, timeout=30)
        direct = httpx.get(f"{stack.catalog.url}/products", params=params, timeout=30)
        assert via_gateway.status_code == 200, via_gateway.text
        assert via_gateway.json() == direct.json()
    everything = httpx.get(f"{stack.url}/api/products", params={"limit": 100}).json()
    assert everything["total"] == 60
    one = everything["items"][0]
    got = httpx.get(f"{stack.url}/api/products/{one['id']}").json()
    assert got["sku"] == one["sku"] and got["price"] == one["price"]
    categories = httpx.get(f"{stack.url}/api/categories").json()
    assert {c["slug"] for c in categories["items"]} >= {"books", "kitchen", "toys"}

    missing = httpx.get(f"{stack.url}/api/products/{uuid.uuid4()}")
    assert missing.status_code == 404 and error_code(missing) == "product_not_found"


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("GET", "/api/products", {"params": {"limit": 500}}, 422, "validation_error"),
        ("GET", "/api/products", {"params": {"sort": "popularity"}}, 422, "validation_error"),
        ("GET", "/api/products", {"params": {"min_price": -1}}, 422, "validation_error"),
        ("GET", "/api/products", {"params": {"q": "x" * 201}}, 422, "validation_error"),
        ("GET", "/api/products/not.an.id", {}, 422, "validation_error"),
        ("GET", "/api/orders/..%2F..%2Fmetrics", {}, 404, "not_found"),
        ("POST", "/api/products", {"json": {"sku": "X"}}, 405, "method_not_allowed"),
        ("POST", "/api/orders", {"json": ORDER}, 400, "idempotency_key_required"),
        (
            "POST",
            "/api/orders",
            {"json": {"lines": []}, "headers": {"Idempotency-Key": "k"}},
            422,
            "validation_error",
        ),
        (
            "POST",
            "/api/orders",
            {
                "json": {**ORDER, "lines": [{**ORDER["lines"][0], "quantity": "1"}]},
                "headers": {"Idempotency-Key": "k"},
            },
            422,
            "validation_error",
        ),
        (
            "POST",
            "/api/orders",
            {
                "json": {**ORDER, "payment": {"card_token": "tok_x"}},
                "headers": {"Idempotency-Key": "k"},
            },
            422,
            "validation_error",
        ),
        (
            "POST",
            "/api/orders",
            {"json": [1, 2], "headers": {"Idempotency-Key": "k"}},
            422,
            "validation_error",
        ),
        (
            "POST",
            "/api/orders",
            {
                "content": b"{not json",
                "headers": {"Idempotency-Key": "k", "Content-Type": "application/json"},
            },
            422,
            "validation_error",
        ),
        ("GET", "/api/nothing-here", {}, 404, "not_found"),
    ],
)
def test_bad_input_is_a_json_4xx(
    stack: Stack, method: str, path: str, kwargs: dict[str, Any], status: int, code: str
) -> None:
    before = len(stack.orders.seen)
    r = httpx.request(method, stack.url + path, timeout=30, **kwargs)
    assert r.status_code == status, r.text
    assert error_code(r) == code
    assert len(stack.orders.seen) == before  # refused at the edge


def test_place_order_forwards_key_body_token_and_trace(stack: Stack) -> None:
    order = {"id": str(uuid.uuid4()), "status": "PENDING"}
    stack.orders.script[:] = [(201, order)]
    stack.orders.seen.clear()
    body = {
        "customer": {"email": "ada@example.com"},
        "lines": [{"product_id": str(uuid.uuid4()), "quantity": 2}],
        "payment": {
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}
        },
    }
    trace_id = uuid.uuid4().hex
    incoming = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    r = httpx.post(
        f"{stack.url}/api/orders",
        json=body,
        headers={"Idempotency-Key": "key-1", "traceparent": incoming},
    )
    assert r.status_code == 201 and r.json() == order
    (seen,) = stack.orders.seen
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    assert (seen["method"], seen["path"], seen["body"]) == ("POST", "/orders", body)
    assert headers["idempotency-key"] == "key-1"
    assert headers["authorization"] == f"Bearer {GATEWAY_TOKEN}"
    # The customer's trace goes on into orders (same trace id, the gateway's span as parent).
    forwarded = re.fullmatch(
        r"00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}", headers["traceparent"]
    )
    assert forwarded is not None
    assert forwarded.group(1) == trace_id
    assert forwarded.group(2) != incoming.split("-")[2]


def test_orders_errors_pass_through(stack: Stack) -> None:
    reused = {"error": {"code": "idempotency_key_reused", "message": "other body"}}
    unknown = {"error": {"code": "unknown_product", "message": "no such product"}}
    stack.orders.script[:] = [(409, reused), (422, unknown)]
    body = ORDER
    first = httpx.post(f"{stack.url}/api/orders", json=body, headers={"Idempotency-Key": "k2"})
    assert (first.status_code, first.json()) == (409, reused)
    second = httpx.post(f"{stack.url}/api/orders", json=body, headers={"Idempotency-Key": "k3"})
    assert (second.status_code, second.json()) == (422, unknown)


def test_a_failing_order_call_is_retried_with_the_same_key(stack: Stack) -> None:
    order = {"id": str(uuid.uuid4()), "status": "PENDING"}
    stack.orders.script[:] = [(503, {"error": {}}), (201, order)]
    stack.orders.seen.clear()
    r = httpx.post(
        f"{stack.url}/api/orders",
        json=ORDER,
        headers={"Idempotency-Key": "retry-me"},
        timeout=30,
    )
    assert r.status_code == 201 and r.json() == order
    keys = [s["headers"].get("Idempotency-Key") for s in stack.orders.seen]
    assert keys == ["retry-me", "retry-me"]


def test_orders_unavailable_is_503_and_browsing_goes_on(stack: Stack) -> None:
    stack.orders.script[:] = []  # the stand-in answers 503 to everything
    r = httpx.post(
        f"{stack.url}/api/orders", json=ORDER, headers={"Idempotency-Key": "k4"}, timeout=30
    )
    assert r.status_code == 503 and error_code(r) == "dependency_unavailable"
    assert "orders" in r.json()["error"]["message"]
    status = httpx.get(
        f"{stack.url}/api/orders/{uuid.uuid4()}", headers={"Order-Token": TOKEN}, timeout=30
    )
    assert status.status_code == 503 and error_code(status) == "dependency_unavailable"
    assert httpx.get(f"{stack.url}/api/products", timeout=30).status_code == 200
    # Those failures opened the gateway's breaker towards orders: the next tests start
    # once it has let a call through again (after its 2 s recovery, however slow the machine).
    probe = str(uuid.uuid4())

    def orders_reachable() -> bool:
        stack.orders.script[:] = [(200, {"id": probe, "status": "PENDING"})]
        r = httpx.get(f"{stack.url}/api/orders/{probe}", headers={"Order-Token": TOKEN}, timeout=30)
        return r.status_code == 200

    wait_for(orders_reachable, 60, 0.5, "the gateway's breaker towards orders to close")
    stack.orders.script.clear()
    stack.orders.seen.clear()


def test_an_order_is_read_only_with_its_access_token(stack: Stack) -> None:
    order_id = str(uuid.uuid4())
    for headers in ({}, {"Order-Token": "guess"}, {"Order-Token": "ord_" + "x" * 500}):
        r = httpx.get(f"{stack.url}/api/orders/{order_id}", headers=headers, timeout=30)
        assert (r.status_code, error_code(r)) == (401, "order_token_required")
    stack.orders.seen.clear()
    stack.orders.script[:] = [(200, {"id": order_id, "status": "PENDING"})]
    r = httpx.get(f"{stack.url}/api/orders/{order_id}", headers={"Order-Token": TOKEN}, timeout=30)
    assert r.status_code == 200 and r.json()["id"] == order_id
    [seen] = stack.orders.seen
    assert seen["headers"]["Order-Token"] == TOKEN
    assert seen["headers"]["Authorization"] == f"Bearer {GATEWAY_TOKEN}"


def test_storefront_pages_and_assets_come_from_the_gateway(stack: Stack) -> None:
    product_id = httpx.get(f"{stack.url}/api/products").json()["items"][0]["id"]
    pages = [
        "/",
        "/cart",
        "/checkout",
        "/orders",
        f"/products/{product_id}",
        f"/orders/{uuid.uuid4()}",
    ]
    documents = set()
    for page in pages:
        r = httpx.get(stack.url + page)
        assert r.status_code == 200, page
        assert r.headers["content-type"].startswith("text/html")
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert "script-src 'self'" in r.headers["content-security-policy"]
        documents.add(r.text)
    assert len(documents) == 1
    html = documents.pop()
    assets = set(re.findall(r'(?:src|href)="(/static/[^"]+)"', html))
    assert {"/static/app.css", "/static/js/main.js"} <= assets
    for js in STATIC.rglob("*.js"):  # every module import resolves
        for target in re.findall(r'from "(\.{1,2}/[^"]+)"', js.read_text()):
            rel = (js.parent / target).resolve().relative_to(STATIC)
            assets.add(f"/static/{rel.as_posix()}")
    types = {".css": "text/css", ".js": "javascript", ".svg": "image/svg+xml"}
    for asset in assets:
        r = httpx.get(stack.url + asset)
        assert r.status_code == 200, asset
        assert types[Path(asset).suffix] in r.headers["content-type"]
    for f in STATIC.rglob("*"):  # no asset reaches outside (the SVG namespace is a name)
        if f.is_file():
            text = f.read_text().replace("http://www.w3.org/2000/svg", "")
            assert not re.search(r"https?://", text), f
    for escape in ("/products/..%2Fetc", "/static/..%2F..%2Fpyproject.toml"):
        r = httpx.get(stack.url + escape)
        assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found"), escape


def test_catalog_down_is_503_gateway_stays_ready_and_recovers(stack: Stack) -> None:
    stack.catalog.stop()
    try:
        for _ in range(4):
            r = httpx.get(f"{stack.url}/api/products", timeout=30)
            assert r.status_code == 503 and error_code(r) == "dependency_unavailable"
            assert "catalog" in r.json()["error"]["message"]
        assert httpx.get(f"{stack.url}/readyz").status_code == 200
        metrics = httpx.get(f"{stack.url}/metrics").text
        assert re.search(
            r'mercado_circuit_breaker_open\{dependency="catalog",service_name="gateway"\} 1\.0',
            metrics,
        ), "the breaker opened"
    finally:
        stack.catalog.start()

    def back() -> bool:
        return httpx.get(f"{stack.url}/api/products", timeout=30).status_code == 200

    wait_for(back, 60, 0.5, "gateway serving products again")
