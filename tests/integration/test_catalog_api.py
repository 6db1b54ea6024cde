"""Catalog API on SQLite and PostgreSQL: listing, search, filters, admin writes, bad input."""

from __future__ import annotations

import httpx
import pytest

from tests.support.apps import ADMIN

pytestmark = pytest.mark.asyncio(loop_scope="session")

CATEGORIES = [("books", "Books"), ("kitchen", "Kitchen"), ("garden", "Garden")]


async def _seed(client: httpx.AsyncClient, count: int = 25) -> list[dict]:
    for slug, name in CATEGORIES:
        r = await client.post("/categories", json={"slug": slug, "name": name}, headers=ADMIN)
        assert r.status_code == 201, r.text
    created = []
    for i in range(count):
        slug = CATEGORIES[i % 3][0]
        body = {
            "sku": f"SKU-{i:03d}",
            "name": f"{'Red' if i % 2 else 'Blue'} {slug} item {i:03d}",
            "description": "Waterproof" if i % 5 == 0 else "Plain",
            "category": slug,
            "price": {"amount": 100 * (i + 1), "currency": "EUR"},
        }
        r = await client.post("/products", json=body, headers=ADMIN)
        assert r.status_code == 201, r.text
        created.append(r.json())
    return created


async def test_pagination_covers_every_product_once(catalog: httpx.AsyncClient) -> None:
    await _seed(catalog, 25)
    seen: list[str] = []
    for offset in range(0, 30, 10):
        page = (await catalog.get("/products", params={"limit": 10, "offset": offset})).json()
        assert page["total"] == 25
        assert page["limit"] == 10 and page["offset"] == offset
        seen += [p["id"] for p in page["items"]]
    assert len(seen) == 25 and len(set(seen)) == 25
    last = (await catalog.get("/products", params={"limit": 10, "offset": 20})).json()
    assert len(last["items"]) == 5


async def test_search_filters_and_sorting(catalog: httpx.AsyncClient) -> None:
    await _seed(catalog, 25)
    found = (await catalog.get("/products", params={"q": "  RED   books "})).json()
    assert found["total"] > 0
    for p in found["items"]:
        assert "red" in p["name"].lower() and p["category"]["slug"] == "books"
    by_description = (await catalog.get("/products", params={"q": "waterproof"})).json()
    assert by_description["total"] == 5

    kitchen = (await catalog.get("/products", params={"category": "kitchen", "limit": 100})).json()
    assert kitchen["total"] == 8
    assert {p["category"]["slug"] for p in kitchen["items"]} == {"kitchen"}

    window = (
        await catalog.get("/products", params={"min_price": 500, "max_price": 1000, "limit": 100})
    ).json()
    prices = [p["price"]["amount"] for p in window["items"]]
    assert prices and all(500 <= x <= 1000 for x in prices) and window["total"] == 6

    ascending = (await catalog.get("/products", params={"sort": "price", "limit": 100})).json()
    amounts = [p["price"]["amount"] for p in ascending["items"]]
    assert amounts == sorted(amounts)
    descending = (await catalog.get("/products", params={"sort": "-price", "limit": 5})).json()
    assert descending["items"][0]["price"]["amount"] == 2500

    none = (await catalog.get("/products", params={"q": "no-such-thing"})).json()
    assert none == {"items": [], "total": 0, "limit": 20, "offset": 0}


async def test_get_update_delete_and_events(catalog: httpx.AsyncClient) -> None:
    products = await _seed(catalog, 3)
    pid = products[0]["id"]
    got = (await catalog.get(f"/products/{pid}")).json()
    assert got["sku"] == "SKU-000" and got["price"] == {"amount": 100, "currency": "EUR"}
    assert got["availability"] == {"available": None, "in_stock": None}

    r = await catalog.patch(
        f"/products/{pid}", json={"price": {"amount": 999, "currency": "EUR"}}, headers=ADMIN
    )
    assert r.status_code == 200 and r.json()["price"]["amount"] == 999
    assert (await catalog.delete(f"/products/{pid}", headers=ADMIN)).status_code == 204
    gone = await catalog.get(f"/products/{pid}")
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "product_not_found"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("get", "/products?limit=0", None, 422, "validation_error"),
        ("get", "/products?limit=1000", None, 422, "validation_error"),
        ("get", "/products?offset=-1", None, 422, "validation_error"),
        ("get", "/products?min_price=abc", None, 422, "validation_error"),
        ("get", "/products?min_price=900&max_price=100", None, 422, "validation_error"),
        ("get", "/products?sort=random", None, 422, "validation_error"),
        ("get", "/products/does-not-exist", None, 404, "product_not_found"),
        ("post", "/products", {"sku": "X-1"}, 422, "validation_error"),
        (  # payment refuses a zero charge, so no product is free
            "post",
            "/products",
            {
                "sku": "SKU-NEW",
                "name": "n",
                "category": "books",
                "price": {"amount": 0, "currency": "EUR"},
            },
            422,
            "validation_error",
        ),
        (  # dearer than a largest order payment could charge
            "post",
            "/products",
            {
                "sku": "SKU-NEW",
                "name": "n",
                "category": "books",
                "price": {"amount": 20_000_001, "currency": "EUR"},
            },
            422,
            "validation_error",
        ),
        (
            "post",
            "/products",
            {
                "sku": "SKU-NEW",
                "name": "n",
                "category": "books",
                "price": {"amount": -5, "currency": "EUR"},
            },
            422,
            "validation_error",
        ),
        (
            "post",
            "/products",
            {
                "sku": "SKU-NEW",
                "name": "n",
                "category": "books",
                "price": {"amount": 5, "currency": "euro"},
            },
            422,
            "validation_error",
        ),
        (
            "post",
            "/products",
            {
                "sku": "SKU-NEW",
                "name": "n",
                "category": "books",
                "price": {"amount": "lots", "currency": "EUR"},
            },
            422,
            "validation_error",
        ),
        (
            "post",
            "/products",
            {
                "sku": "SKU-NEW",
                "name": "n",
                "category": "no-such",
                "price": {"amount": 5, "currency": "EUR"},
            },
            422,
            "unknown_category",
        ),
        (
            "post",
            "/products",
            {
                "sku": "SKU-000",
                "name": "n",
                "category": "books",
                "price": {"amount": 5, "currency": "EUR"},
            },
            409,
            "duplicate_sku",
        ),
        ("patch", "/products/nope", {"name": "x"}, 404, "product_not_found"),
        ("patch", "/products/nope", {"unknown_field": 1}, 422, "validation_error"),
        ("delete", "/products/nope", None, 404, "product_not_found"),
        ("post", "/categories", {"slug": "Not A Slug", "name": "x"}, 422, "validation_error"),
        ("post", "/categories", {"slug": "books", "name": "again"}, 409, "duplicate_category"),
    ],
)
async def test_bad_input_is_a_clear_4xx(
    catalog: httpx.AsyncClient, method: str, path: str, body: dict | None, status: int, code: str
) -> None:
    await _seed(catalog, 1)
    kwargs = {"headers": ADMIN} | ({"json": body} if body is not None else {})
    r = await catalog.request(method.upper(), path, **kwargs)
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert r.json()["error"]["message"]


async def test_malformed_json_is_422(catalog: httpx.AsyncClient) -> None:
    r = await catalog.post(
        "/products", content=b'{"sku": ', headers={**ADMIN, "content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer wrong"}, 403), ({"Authorization": "Basic x"}, 401)],
)
async def test_admin_endpoints_refuse_missing_or_wrong_token(
    catalog: httpx.AsyncClient, headers: dict, status: int
) -> None:
    body = {
        "sku": "SKU-777",
        "name": "n",
        "category": "books",
        "price": {"amount": 5, "currency": "EUR"},
    }
    for method, path, payload in [
        ("POST", "/products", body),
        ("PATCH", "/products/any", {"name": "x"}),
        ("DELETE", "/products/any", None),
        ("POST", "/categories", {"slug": "toys", "name": "Toys"}),
    ]:
        r = await catalog.request(method, path, json=payload, headers=headers)
        assert r.status_code == status, (method, path, r.text)
    listing = (await catalog.get("/products")).json()
    assert listing["total"] == 0


async def test_metrics_count_requests_by_route_template(catalog: httpx.AsyncClient) -> None:
    route = 'method="GET",route="/products/{product_id}",service_name="catalog"'

    async def count(status: int) -> float:
        text = (await catalog.get("/metrics")).text
        prefix = f'mercado_http_requests_total{{{route},status="{status}"}} '
        lines = [ln for ln in text.splitlines() if ln.startswith(prefix)]
        return float(lines[0].removeprefix(prefix)) if lines else 0.0

    products = await _seed(catalog, 2)
    ok, missing = await count(200), await count(404)
    for p in products:  # the second read of each is answered from the page cache
        await catalog.get(f"/products/{p['id']}")
        await catalog.get(f"/products/{p['id']}")
    await catalog.get("/products/unknown-id")
    assert await count(200) == ok + 4
    assert await count(404) == missing + 1
    text = (await catalog.get("/metrics")).text
    assert "mercado_http_request_duration_seconds_bucket" in text
    assert "mercado_http_requests_in_flight" in text


async def test_a_price_change_is_never_served_stale(catalog: httpx.AsyncClient) -> None:
    """Pages are cached until the catalog changes; the change shows at once, on the
    product page and in lists, and a browser's ETag stops matching."""
    product = (await _seed(catalog, 3))[0]
    path = f"/products/{product['id']}"
    first = await catalog.get(path)
    listing = await catalog.get("/products", params={"limit": 50})
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "no-cache"
    again = await catalog.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""

    for amount in (111, 222, 333):
        r = await catalog.patch(
            path, json={"price": {"amount": amount, "currency": "EUR"}}, headers=ADMIN
        )
        assert r.status_code == 200, r.text
        page = await catalog.get(path)
        assert page.json()["price"] == {"amount": amount, "currency": "EUR"}
        items = (await catalog.get("/products", params={"limit": 50})).json()["items"]
        assert next(p for p in items if p["id"] == product["id"])["price"]["amount"] == amount
    changed = await catalog.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert listing.json()["total"] == 3

    await catalog.delete(path, headers=ADMIN)
    assert (await catalog.get(path)).status_code == 404
    assert (await catalog.get("/products", params={"limit": 50})).json()["total"] == 2


async def test_a_cached_page_is_the_page_the_route_served(catalog: httpx.AsyncClient) -> None:
    """A repeated read is answered from the page cache ahead of routing: the same status,
    body and headers as the route's own answer, for each query string separately."""
    await _seed(catalog, 3)
    for path, params in (
        ("/products", {"limit": "2"}),
        ("/products", {"limit": "2", "offset": "1"}),
        ("/products", {"sort": "price"}),
    ):
        first = await catalog.get(path, params=params)
        second = await catalog.get(path, params=params)
        assert first.status_code == second.status_code == 200
        assert second.content == first.content
        for header in ("content-type", "content-length", "etag", "cache-control"):
            assert second.headers[header] == first.headers[header], header
    limited = (await catalog.get("/products", params={"limit": "2"})).json()
    offset = (await catalog.get("/products", params={"limit": "2", "offset": "1"})).json()
    assert len(limited["items"]) == 2 and limited["items"][1] == offset["items"][0]
    # Bad input is never cached: it stays the route's clear 422 every time.
    for _ in range(2):
        bad = await catalog.get("/products", params={"limit": "0"})
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
