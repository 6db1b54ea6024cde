"""Hostile and malformed requests against real service processes (uvicorn, SQLite, NATS):
each gets its documented JSON 4xx, never a 5xx, a redirect, a hang or an accepted bad value."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support.browse import BrowseStack, browse_stack
from tests.support.processes import free_port

ADMIN_TOKEN = "hostile-admin"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
HUGE = "9223372036854775808"  # 2**63: one more than SQLite's largest integer
# Short enough to keep the test quick; the defaults are 10 s.
SLOW_CLIENT_TIMEOUT = "1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowseStack]:
    with browse_stack(
        tmp_path_factory.mktemp("hostile"),
        ADMIN_TOKEN,
        f"http://127.0.0.1:{free_port()}",
        common={
            "HEADER_TIMEOUT_SECONDS": SLOW_CLIENT_TIMEOUT,
            "BODY_TIMEOUT_SECONDS": SLOW_CLIENT_TIMEOUT,
        },
        gateway={"CATALOG__BREAKER_FAILURES": "2", "ORDERS__BREAKER_FAILURES": "2"},
    ) as shop:
        yield shop


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
def test_huge_integers_in_queries_are_422(
    stack: BrowseStack, path: str, params: dict[str, str]
) -> None:
    assert error(httpx.get(stack.catalog.url + path, params=params)) == (422, "validation_error")
    r = httpx.get(stack.inventory.url + "/stock", params={"offset": HUGE})
    assert error(r) == (422, "validation_error")


def test_bad_queries_never_open_the_gateways_breaker(stack: BrowseStack) -> None:
    # The breaker opens after 2 failures here; ten bad requests must not count at all.
    for _ in range(10):
        r = httpx.get(f"{stack.gateway.url}/api/products", params={"offset": HUGE})
        assert error(r) == (422, "validation_error")
    ok = httpx.get(f"{stack.gateway.url}/api/products")
    assert ok.status_code == 200 and ok.json()["total"] == 60


@pytest.mark.parametrize("token", ["café", "😀", "\xff\xfe", "a" * 5000])
def test_any_bearer_token_is_compared_safely(stack: BrowseStack, token: str) -> None:
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
def test_odd_paths_are_json_404s_not_redirects(stack: BrowseStack, url_path: str) -> None:
    r = httpx.get(stack.inventory.url + url_path, follow_redirects=False)
    assert error(r) == (404, "not_found")


def test_405_names_every_allowed_method(stack: BrowseStack) -> None:
    r = httpx.delete(f"{stack.catalog.url}/products")
    assert error(r) == (405, "method_not_allowed")
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "POST"}


def test_a_body_over_the_limit_is_413(stack: BrowseStack) -> None:
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


def test_a_client_that_stops_sending_its_body_gets_408(stack: BrowseStack) -> None:
    head = (
        b"POST /products HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {ADMIN_TOKEN}\r\nContent-Length: 500\r\n\r\n".encode()
    )
    answer = _raw(stack.catalog.port, head + b'{"sku": ')
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"request_timeout"' in answer


@pytest.mark.parametrize("service", ["catalog", "gateway"])
def test_a_client_that_never_finishes_its_headers_is_disconnected(
    stack: BrowseStack, service: str
) -> None:
    port = getattr(stack, service).port
    answer = _raw(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    assert answer == b""  # closed without a request ever reaching the service
    assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200


@pytest.mark.parametrize(
    "body",
    [{"delta": "1"}, {"delta": True}, {"delta": 1.0}, {"low_stock_threshold": "3"}],
)
def test_inventory_takes_integers_only(stack: BrowseStack, body: dict[str, object]) -> None:
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
    stack: BrowseStack, product: dict[str, object]
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
