"""Inventory on SQLite and PostgreSQL: idempotent reservations, expiry, admin, bad input."""

from __future__ import annotations

import httpx
import pytest

from tests.support.apps import ADMIN, ORDERS
from tests.support.events import announce_products, wait_stocked
from tests.support.processes import NatsServer
from tests.support.shop import until

pytestmark = pytest.mark.asyncio(loop_scope="session")

# The SKUs these tests stock; the catalog announces them (``product.created``) first.
KNOWN = ("A-1", "B-1", "N-1")


@pytest.fixture(autouse=True)
async def products(inventory: httpx.AsyncClient, nats: NatsServer) -> None:
    await announce_products(nats.url, *KNOWN)
    await wait_stocked(inventory, "", *KNOWN)


async def _stock(client: httpx.AsyncClient, sku: str, delta: int) -> dict:
    r = await client.post(f"/stock/{sku}/adjustments", json={"delta": delta}, headers=ADMIN)
    assert r.status_code == 200, r.text
    return r.json()


async def _level(client: httpx.AsyncClient, sku: str) -> dict:
    r = await client.get(f"/stock/{sku}")
    assert r.status_code == 200, r.text
    return r.json()


def _reserve(order_id: str, *lines: tuple[str, int], ttl: int | None = None) -> dict:
    body: dict = {"order_id": order_id, "lines": [{"sku": s, "quantity": q} for s, q in lines]}
    if ttl:
        body["ttl_seconds"] = ttl
    return body


async def _expired(inventory: httpx.AsyncClient, order_id: str, timeout: float) -> None:
    """Waits until the order's reservation is EXPIRED (fails after ``timeout`` seconds)."""

    async def status() -> bool | None:
        r = await inventory.get(f"/reservations/{order_id}", headers=ORDERS)
        return r.json()["status"] == "EXPIRED" or None

    await until(status, timeout, f"reservation {order_id} expired")


async def test_reserve_commit_release_are_idempotent(inventory: httpx.AsyncClient) -> None:
    await _stock(inventory, "A-1", 10)
    first = await inventory.post("/reservations", json=_reserve("o-1", ("A-1", 3)), headers=ORDERS)
    again = await inventory.post("/reservations", json=_reserve("o-1", ("A-1", 3)), headers=ORDERS)
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["lines"] == again.json()["lines"] == [{"sku": "A-1", "quantity": 3}]
    level = await _level(inventory, "A-1")
    assert (level["available"], level["reserved"], level["sold"]) == (7, 3, 0)

    for _ in range(2):
        r = await inventory.post("/reservations/o-1/commit", headers=ORDERS)
        assert r.status_code == 200 and r.json()["status"] == "COMMITTED"
    level = await _level(inventory, "A-1")
    assert (level["available"], level["reserved"], level["sold"]) == (7, 0, 3)

    # Released after commit (order refunded): the units go back on sale, once.
    for _ in range(2):
        r = await inventory.post("/reservations/o-1/release", headers=ORDERS)
        assert r.status_code == 200 and r.json()["status"] == "RELEASED"
    level = await _level(inventory, "A-1")
    assert (level["available"], level["reserved"], level["sold"]) == (10, 0, 0)
    r = await inventory.post("/reservations/o-1/commit", headers=ORDERS)
    assert r.status_code == 409 and r.json()["error"]["code"] == "reservation_not_active"


async def test_same_order_with_other_lines_is_refused(inventory: httpx.AsyncClient) -> None:
    await _stock(inventory, "A-1", 10)
    await inventory.post("/reservations", json=_reserve("o-2", ("A-1", 1)), headers=ORDERS)
    r = await inventory.post("/reservations", json=_reserve("o-2", ("A-1", 2)), headers=ORDERS)
    assert r.status_code == 409 and r.json()["error"]["code"] == "reservation_mismatch"
    assert (await _level(inventory, "A-1"))["reserved"] == 1


async def test_out_of_stock_reserves_nothing(inventory: httpx.AsyncClient) -> None:
    await _stock(inventory, "A-1", 5)
    await _stock(inventory, "B-1", 1)
    r = await inventory.post(
        "/reservations", json=_reserve("o-3", ("A-1", 2), ("B-1", 2)), headers=ORDERS
    )
    assert r.status_code == 409
    assert r.json()["error"] == {
        "code": "out_of_stock",
        "message": "only 1 of B-1 available, 2 requested",
        "details": {"sku": "B-1", "requested": 2, "available": 1},
    }
    # All or nothing: A-1 was not held back.
    assert (await _level(inventory, "A-1"))["available"] == 5
    assert (await inventory.get("/reservations/o-3", headers=ORDERS)).status_code == 404


async def test_a_reservation_expires_however_many_older_ones_were_committed(
    inventory: httpx.AsyncClient,
) -> None:
    """Expiry takes a batch of 100 deadlines at a time, oldest first: more than a batch of
    reservations committed before their deadline never holds back an active one that ran
    out after them."""
    await _stock(inventory, "B-1", 120)
    for n in range(105):
        made = await inventory.post(
            "/reservations", json=_reserve(f"done-{n}", ("B-1", 1), ttl=1), headers=ORDERS
        )
        assert made.status_code == 201, made.text
        sold = await inventory.post(f"/reservations/done-{n}/commit", headers=ORDERS)
        assert sold.status_code == 200, sold.text
    late = await inventory.post(
        "/reservations", json=_reserve("late-1", ("B-1", 2), ttl=1), headers=ORDERS
    )
    assert late.status_code == 201, late.text
    await _expired(inventory, "late-1", 30)
    level = await _level(inventory, "B-1")
    assert (level["available"], level["reserved"], level["sold"]) == (15, 0, 105)


async def test_reservations_expire_and_return_stock(inventory: httpx.AsyncClient) -> None:
    await _stock(inventory, "A-1", 4)
    r = await inventory.post(
        "/reservations", json=_reserve("o-4", ("A-1", 4), ttl=1), headers=ORDERS
    )
    assert r.status_code == 201
    assert (await _level(inventory, "A-1"))["available"] == 0
    await _expired(inventory, "o-4", 10)
    level = await _level(inventory, "A-1")
    assert (level["available"], level["reserved"]) == (4, 0)
    late = await inventory.post("/reservations/o-4/commit", headers=ORDERS)
    assert late.status_code == 409 and late.json()["error"]["code"] == "reservation_not_active"


async def test_admin_adjustments(inventory: httpx.AsyncClient) -> None:
    assert (await _stock(inventory, "N-1", 3))["available"] == 3
    r = await inventory.post("/stock/N-1/adjustments", json={"delta": -4}, headers=ADMIN)
    assert (r.status_code, r.json()["error"]) == (
        409,
        {"code": "insufficient_stock", "message": "cannot remove 4 of N-1: only 3 available"},
    )
    assert (await _stock(inventory, "N-1", -3))["available"] == 0
    listing = (await inventory.get("/stock", params={"sku": ["N-1"]})).json()
    assert listing["total"] == 1 and listing["items"][0]["sku"] == "N-1"


async def test_an_unknown_sku_cannot_be_adjusted_into_existence(
    inventory: httpx.AsyncClient,
) -> None:
    r = await inventory.post("/stock/GHOST-1/adjustments", json={"delta": 5}, headers=ADMIN)
    assert r.status_code == 404, r.text
    assert r.json()["error"] == {
        "code": "unknown_sku",
        "message": "no product with sku GHOST-1 is known to inventory (yet): a SKU is stocked "
        "once the catalog has announced its product",
    }
    r = await inventory.post(
        "/stock/GHOST-1/adjustments", json={"low_stock_threshold": 2}, headers=ADMIN
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_sku"
    assert (await inventory.get("/stock/GHOST-1")).status_code == 404
    listing = (await inventory.get("/stock")).json()
    assert sorted(s["sku"] for s in listing["items"]) == sorted(KNOWN)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        (
            "post",
            "/reservations",
            {"order_id": "o", "lines": [{"sku": "A-1", "quantity": -1}]},
            422,
            "validation_error",
        ),
        (
            "post",
            "/reservations",
            {"order_id": "o", "lines": [{"sku": "A-1", "quantity": 0}]},
            422,
            "validation_error",
        ),
        (
            "post",
            "/reservations",
            {"order_id": "o", "lines": [{"sku": "A-1", "quantity": "two"}]},
            422,
            "validation_error",
        ),
        ("post", "/reservations", {"order_id": "o", "lines": []}, 422, "validation_error"),
        (
            "post",
            "/reservations",
            {"lines": [{"sku": "A-1", "quantity": 1}]},
            422,
            "validation_error",
        ),
        (
            "post",
            "/reservations",
            {"order_id": "o", "lines": [{"sku": "NOPE", "quantity": 1}]},
            404,
            "unknown_sku",
        ),
        ("post", "/reservations/nope/commit", None, 404, "reservation_not_found"),
        ("post", "/reservations/nope/release", None, 404, "reservation_not_found"),
        ("get", "/stock/NOPE", None, 404, "unknown_sku"),
        ("get", "/stock/bad%20sku", None, 422, "validation_error"),
        ("post", "/stock/A-1/adjustments", {"delta": "many"}, 422, "validation_error"),
        ("post", "/stock/A-1/adjustments", {"delta": 0}, 422, "validation_error"),
        ("post", "/stock/A-1/adjustments", {"delta": 10**9}, 422, "validation_error"),
    ],
)
async def test_bad_input_is_a_clear_4xx(
    inventory: httpx.AsyncClient, method: str, path: str, body: dict | None, status: int, code: str
) -> None:
    await _stock(inventory, "A-1", 1)
    headers = ADMIN if "adjust" in path else ORDERS
    r = await inventory.request(method.upper(), path, json=body, headers=headers)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    level = await _level(inventory, "A-1")
    assert (level["available"], level["reserved"]) == (1, 0)


async def test_an_unknown_reservation_is_a_404_naming_the_order(
    inventory: httpx.AsyncClient,
) -> None:
    for method, path in (("GET", ""), ("POST", "/commit"), ("POST", "/release")):
        r = await inventory.request(method, f"/reservations/o-unknown{path}", headers=ORDERS)
        assert r.status_code == 404, r.text
        assert r.json()["error"] == {
            "code": "reservation_not_found",
            "message": "no reservation for order o-unknown",
        }


async def test_malformed_json_is_422(inventory: httpx.AsyncClient) -> None:
    r = await inventory.post(
        "/reservations", content=b"{nope", headers={**ORDERS, "content-type": "application/json"}
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize(
    ("headers", "status"), [({}, 401), ({"Authorization": "Bearer wrong"}, 403)]
)
async def test_tokens_are_required(
    inventory: httpx.AsyncClient, headers: dict, status: int
) -> None:
    await _stock(inventory, "A-1", 2)
    for method, path, body in [
        ("POST", "/stock/A-1/adjustments", {"delta": 5}),
        ("POST", "/reservations", _reserve("o-x", ("A-1", 1))),
        ("POST", "/reservations/o-x/commit", None),
        ("POST", "/reservations/o-x/release", None),
    ]:
        r = await inventory.request(method, path, json=body, headers=headers)
        assert r.status_code == status, (method, path, r.text)
    assert (await _level(inventory, "A-1"))["available"] == 2
