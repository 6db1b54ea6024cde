"""Hostile and malformed requests against real service processes (uvicorn, SQLite, NATS):
each gets its documented JSON 4xx, never a 5xx, a redirect, a hang or an accepted bad value."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.support.processes import NatsServer, ServiceProcess, free_port, seed_demo

ADMIN_TOKEN = "hostile-admin"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
HUGE = "9223372036854775808"  # 2**63: one more than SQLite's largest integer
# Short enough to keep the test quick; the defaults are 10 s.
SLOW_CLIENT_TIMEOUT = "1"


@dataclass
class Stack:
    catalog: ServiceProcess
    inventory: ServiceProcess
    gateway: ServiceProcess


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("hostile")
    nats = NatsServer(root / "nats")
    nats.start()
    common = {
        "NATS_URL": nats.url,
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "HEADER_TIMEOUT_SECONDS": SLOW_CLIENT_TIMEOUT,
        "BODY_TIMEOUT_SECONDS": SLOW_CLIENT_TIMEOUT,
    }
    catalog = ServiceProcess(
        "catalog", {**common, "DATABASE_URL": f"sqlite+aiosqlite:///{root / 'catalog.db'}"}, root
    )
    inventory = ServiceProcess(
        "inventory", {**common, "DATABASE_URL": f"sqlite+aiosqlite:///{root / 'inv.db'}"}, root
    )
    gateway = ServiceProcess(
        "gateway",
        {
            **common,
            "CATALOG__URL": catalog.url,
            "ORDERS__URL": f"http://127.0.0.1:{free_port()}",
            "CATALOG__BREAKER_FAILURES": "2",
            "ORDERS__BREAKER_FAILURES": "2",
        },
        root,
    )
    started = [catalog.start(wait=False), inventory.start(wait=False), gateway.start(wait=False)]
    try:
        for svc in started:
            svc.wait_ready(120)
        seed_demo(catalog.url, inventory.url, ADMIN_TOKEN)
        yield Stack(catalog, inventory, gateway)
    finally:
        for svc in reversed(started):
            svc.stop()
        nats.stop()


def error(r: httpx.Response) -> tuple[int, str]:
    assert r.headers["content-type"].startswith("application/json"), (r.status_code, r.text)
    return r.status_code, str(r.json()["error"]["code"])


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/products", {"offset": HUGE}),
        ("/products", {"max_price": "99999999999999999999"}),
        ("/products", {"min_price": HUGE}),
        ("/categories", {"offset": HUGE}),
    ],
)
def test_huge_integers_in_queries_are_422(stack: Stack, path: str, params: dict[str, str]) -> None:
    assert error(httpx.get(stack.catalog.url + path, params=params)) == (422, "validation_error")
    r = httpx.get(stack.inventory.url + "/stock", params={"offset": HUGE})
    assert error(r) == (422, "validation_error")


def test_bad_queries_never_open_the_gateways_breaker(stack: Stack) -> None:
    # The breaker opens after 2 failures here; ten bad requests must not count at all.
    for _ in range(10):
        r = httpx.get(f"{stack.gateway.url}/api/products", params={"offset": HUGE})
        assert error(r) == (422, "validation_error")
    ok = httpx.get(f"{stack.gateway.url}/api/products")
    assert ok.status_code == 200 and ok.json()["total"] == 60


@pytest.mark.parametrize("token", ["café", "😀", "\xff\xfe", "a" * 5000])
def test_any_bearer_token_is_compared_safely(stack: Stack, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}".encode()}
    r = httpx.post(
        f"{stack.inventory.url}/stock/BK-001/adjustments", json={"delta": 1}, headers=headers
    )
    assert error(r) == (403, "forbidden")
    r = httpx.post(
        f"{stack.catalog.url}/categories", json={"slug": "x", "name": "x"}, headers=headers
    )
    assert error(r) == (403, "forbidden")


@pytest.mark.parametrize(
    "url_path", ["/reservations/..%2f", "/reservations/", "/stock/", "/stock/a/b/"]
)
def test_odd_paths_are_json_404s_not_redirects(stack: Stack, url_path: str) -> None:
    r = httpx.get(stack.inventory.url + url_path, follow_redirects=False)
    assert error(r) == (404, "not_found")


def test_405_names_every_allowed_method(stack: Stack) -> None:
    r = httpx.delete(f"{stack.catalog.url}/products")
    assert error(r) == (405, "method_not_allowed")
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "POST"}


def test_a_body_over_the_limit_is_413(stack: Stack) -> None:
    big = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    r = httpx.post(
        f"{stack.catalog.url}/products",
        content=big,
        headers={**ADMIN, "Content-Type": "application/json"},
    )
    assert error(r) == (413, "payload_too_large")

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while read
        for _ in range(40):
            yield b"x" * 65536

    r = httpx.post(f"{stack.catalog.url}/products", content=chunks(), headers=ADMIN)
    assert error(r) == (413, "payload_too_large")


def _raw(port: int, data: bytes, wait: float = 30.0) -> bytes:
    """Sends ``data``, then reads until the server answers or closes (or ``wait`` ends)."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as sock:
        sock.sendall(data)
        got = b""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            got += chunk
        return got


def test_a_client_that_stops_sending_its_body_gets_408(stack: Stack) -> None:
    head = (
        b"POST /products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {ADMIN_TOKEN}\r\nContent-Length: 500\r\n\r\n".encode()
    )
    answer = _raw(stack.catalog.port, head + b'{"sku": ')
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"request_timeout"' in answer


@pytest.mark.parametrize("service", ["catalog", "gateway"])
def test_a_client_that_never_finishes_its_headers_is_disconnected(
    stack: Stack, service: str
) -> None:
    port = getattr(stack, service).port
    answer = _raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    assert answer == b""  # closed without a request ever reaching the service
    assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"delta": "1"}, {"delta": True}, {"delta": 1.0}, {"low_stock_threshold": "3"}],
)
def test_inventory_takes_integers_only(stack: Stack, body: dict[str, object]) -> None:
    r = httpx.post(f"{stack.inventory.url}/stock/BK-001/adjustments", json=body, headers=ADMIN)
    assert error(r) == (422, "validation_error")


@pytest.mark.parametrize(
    "product",
    [
        {"name": "Nul\x00byte"},
        {"name": "Bell\x07"},
        {"name": "Two\nlines"},
        {"description": "Escape \x1b[31m"},
        {"price": {"amount": "100", "currency": "EUR"}},
        {"price": {"amount": True, "currency": "EUR"}},
        {"price": {"amount": 10**12, "currency": "EUR"}},
    ],
)
def test_catalog_refuses_control_characters_and_loose_prices(
    stack: Stack, product: dict[str, object]
) -> None:
    body = {
        "sku": "HOSTILE-1",
        "name": "Fine",
        "category": "books",
        "price": {"amount": 100, "currency": "EUR"},
        **product,
    }
    r = httpx.post(f"{stack.catalog.url}/products", json=body, headers=ADMIN)
    assert error(r) == (422, "validation_error")
    r = httpx.post(
        f"{stack.catalog.url}/categories",
        json={"slug": "nul", "name": "a\x00b"},
        headers=ADMIN,
    )
    assert error(r) == (422, "validation_error")
