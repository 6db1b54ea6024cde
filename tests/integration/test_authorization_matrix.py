"""Who may call what, over every route, method and filter of every service.

The routes come from each service's own router (its FastAPI app, hidden routes included),
so a route added without an entry in ``POLICY`` fails this test. Each route is called on
the running service (real processes, real databases) by every kind of caller: nobody, a
wrong token, each other caller's token, and each caller the route accepts; list routes once
with no filter, once per filter and once with every filter together.
"""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount, Route

from mercado_cli.services import dev_secrets
from tests.support.processes import ServiceProcess
from tests.support.shop import Shop

TOKENS = {
    "admin": "admin-dev-token",
    "orders": "orders-dev-token",
    "gateway": "gateway-dev-token",
    "payment": "payment-dev-token",
}
PUBLIC = frozenset({"anyone"})
ADMIN = frozenset({"admin"})
SERVICES = ("catalog", "inventory", "orders", "payment", "bank", "notifications", "gateway")

# Every route of every service: who may call it. "anyone" is a public route.
POLICY: dict[str, dict[tuple[str, str], frozenset[str]]] = {
    "catalog": {
        ("GET", "/products"): PUBLIC,
        ("POST", "/products"): ADMIN,
        ("GET", "/products/{product_id}"): PUBLIC,
        ("PATCH", "/products/{product_id}"): ADMIN,
        ("DELETE", "/products/{product_id}"): ADMIN,
        ("GET", "/categories"): PUBLIC,
        ("POST", "/categories"): ADMIN,
    },
    "inventory": {
        ("GET", "/stock"): PUBLIC,
        ("GET", "/stock/{sku}"): PUBLIC,
        ("POST", "/stock/{sku}/adjustments"): ADMIN,
        ("POST", "/reservations"): frozenset({"orders", "admin"}),
        ("GET", "/reservations/{order_id}"): frozenset({"orders", "admin"}),
        ("POST", "/reservations/{order_id}/commit"): frozenset({"orders", "admin"}),
        ("POST", "/reservations/{order_id}/release"): frozenset({"orders", "admin"}),
    },
    "orders": {
        ("POST", "/orders"): frozenset({"gateway", "admin"}),
        ("GET", "/orders"): ADMIN,
        ("GET", "/orders/{order_id}"): frozenset({"gateway", "admin"}),
        ("POST", "/orders/{order_id}/cancel"): frozenset({"gateway", "admin"}),
    },
    "payment": {
        ("POST", "/payments"): frozenset({"orders"}),
        ("GET", "/payments"): frozenset({"orders", "admin"}),
        ("GET", "/payments/{payment_id}"): frozenset({"orders", "admin"}),
        ("POST", "/payments/{payment_id}/refund"): frozenset({"orders"}),
        ("POST", "/card-tokens"): frozenset({"orders"}),
    },
    "bank": {
        ("POST", "/authorizations"): frozenset({"payment", "admin"}),
        ("GET", "/authorizations"): frozenset({"payment", "admin"}),
        ("GET", "/authorizations/by-key/{key}"): frozenset({"payment", "admin"}),
        ("POST", "/authorizations/by-key/{key}/close"): frozenset({"payment", "admin"}),
        ("GET", "/authorizations/{auth_id}"): frozenset({"payment", "admin"}),
        ("POST", "/authorizations/{auth_id}/capture"): frozenset({"payment", "admin"}),
        ("POST", "/authorizations/{auth_id}/refund"): frozenset({"payment", "admin"}),
        ("POST", "/cards"): frozenset({"payment", "admin"}),
        ("GET", "/admin/faults"): ADMIN,
        ("PUT", "/admin/faults"): ADMIN,
    },
    "notifications": {
        ("GET", "/notifications"): ADMIN,
        ("GET", "/notifications/{notification_id}"): ADMIN,
    },
    # The gateway is the public face: customers call it without a token (it presents its
    # own token to orders); an order is reached with the order's access token, below.
    "gateway": {
        ("GET", "/api/products"): PUBLIC,
        ("GET", "/api/products/{product_id}"): PUBLIC,
        ("GET", "/api/categories"): PUBLIC,
        ("POST", "/api/orders"): PUBLIC,
        ("GET", "/api/orders/{order_id}"): PUBLIC,
        ("GET", "/"): PUBLIC,
        ("GET", "/cart"): PUBLIC,
        ("GET", "/checkout"): PUBLIC,
        ("GET", "/orders"): PUBLIC,
        ("GET", "/products/{product_id}"): PUBLIC,
        ("GET", "/orders/{order_id}"): PUBLIC,
    },
}
# Every service also serves these to anyone (probes, Prometheus, its API description).
COMMON = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
}
MOUNTS = {"gateway": {"/static"}}  # static files: public

PATH_VALUES = {"sku": "AUTHZ-1", "key": "authz-key"}
# A valid value for each filter (query parameter), by service and name where it differs.
FILTER_VALUES: dict[str, Any] = {
    "q": "thing",
    "category": "things",
    "min_price": 1,
    "max_price": 100_000,
    "in_stock": "true",
    "sort": "price",
    "limit": 5,
    "offset": 0,
    "sku": "AUTHZ-1",
    "customer": "buyer@example.com",
    "order_id": str(uuid.uuid4()),
    "reference": str(uuid.uuid4()),
    "idempotency_key": "authz-key",
}
STATUS_FILTER = {
    "orders": "CONFIRMED",
    "payment": "SUCCEEDED",
    "bank": "captured",
}


@dataclass(frozen=True)
class Endpoint:
    service: str
    method: str
    path: str
    filters: tuple[str, ...]


def _app(service: str) -> FastAPI:
    """The service's app as its factory builds it (not started: only its router is read)."""
    module = importlib.import_module(f"mercado_{service}.settings")
    cls = next(
        getattr(module, n)
        for n in dir(module)
        if n.lower() == f"{service}settings" and isinstance(getattr(module, n), type)
    )
    values = {"database_url": "sqlite+aiosqlite:///:memory:"}
    if "database_url" not in cls.model_fields:
        values = {}
    secrets = dev_secrets(service)
    prefix = f"MERCADO_{service.upper()}_"
    with pytest.MonkeyPatch.context() as mp:
        for k, v in secrets.items():
            mp.setenv(k, v)
        settings = cls(**values)
    assert all(k.startswith(prefix) for k in secrets)
    factory = importlib.import_module(f"mercado_{service}.app").create_app
    app: FastAPI = factory(settings)
    return app


def _query_params(dependant: Dependant) -> list[str]:
    """The query parameters of a route, its dependencies' included (pagination)."""
    names = [p.alias for p in dependant.query_params]
    for sub in dependant.dependencies:
        names += [n for n in _query_params(sub) if n not in names]
    return names


def endpoints(service: str) -> tuple[list[Endpoint], set[str]]:
    """Every (method, path) the service's router answers, with its query parameters, and
    the paths of its mounts."""
    app = _app(service)
    found, mounts = [], set()
    for ctx in iter_route_contexts(app.routes):  # included routers flattened
        route, path = ctx.original_route, str(ctx.path)
        if isinstance(route, Mount):
            mounts.add(path)
            continue
        assert isinstance(route, Route), route
        filters: tuple[str, ...] = ()
        if isinstance(route, APIRoute):
            filters = tuple(_query_params(route.dependant))
        for method in sorted((ctx.methods or set()) - {"HEAD"}):
            found.append(Endpoint(service, method, path, filters))
    return found, mounts


def test_every_route_of_every_service_has_a_policy() -> None:
    for service in SERVICES:
        routes, mounts = endpoints(service)
        declared = POLICY[service] | COMMON
        have = {(e.method, e.path) for e in routes}
        assert have - declared.keys() == set(), f"{service}: routes with no policy"
        assert declared.keys() - have == set(), f"{service}: policy for routes it lacks"
        assert mounts == MOUNTS.get(service, set())


@pytest.fixture(scope="module")
def gateway(shop: Shop) -> Iterator[ServiceProcess]:
    svc = ServiceProcess(
        "gateway",
        {"CATALOG__URL": shop.url("catalog"), "ORDERS__URL": shop.url("orders")},
        shop.root / "logs",
    ).start()
    yield svc
    svc.stop()


def _path(e: Endpoint) -> str:
    path = e.path
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        name = path[start + 1 : end]
        path = path[:start] + PATH_VALUES.get(name, str(uuid.uuid4())) + path[end + 1 :]
    return path


def _filter_sets(e: Endpoint) -> list[dict[str, Any]]:
    def value(name: str) -> Any:
        return STATUS_FILTER[e.service] if name == "status" else FILTER_VALUES[name]

    sets: list[dict[str, Any]] = [{}]
    sets += [{name: value(name)} for name in e.filters]
    if len(e.filters) > 1:
        sets.append({name: value(name) for name in e.filters})
    return sets


def _callers(allowed: frozenset[str]) -> list[tuple[str, dict[str, str], bool]]:
    """(what the caller is, its headers, whether it may pass)."""
    public = allowed == PUBLIC
    rows = [("nobody", {}, public), ("a wrong token", {"Authorization": "Bearer nope"}, public)]
    for name, token in TOKENS.items():
        rows.append((name, {"Authorization": f"Bearer {token}"}, public or name in allowed))
    return rows


@pytest.mark.asyncio(loop_scope="session")
async def test_each_caller_gets_what_the_policy_says_on_every_route_and_filter(
    shop: Shop, gateway: ServiceProcess
) -> None:
    urls = {**{s: shop.url(s) for s in SERVICES if s != "gateway"}, "gateway": gateway.url}
    wrong: list[str] = []
    checked = 0
    async with httpx.AsyncClient(timeout=30) as http:
        for service in SERVICES:
            routes, _ = endpoints(service)
            for e in routes:
                allowed = (POLICY[service] | COMMON)[(e.method, e.path)]
                body = {} if e.method in ("POST", "PUT", "PATCH") else None
                for params in _filter_sets(e):
                    for who, headers, passes in _callers(allowed):
                        r = await http.request(
                            e.method,
                            urls[service] + _path(e),
                            params=params,
                            headers=headers,
                            json=body,
                        )
                        checked += 1
                        code = _code(r)
                        if passes:
                            ok = r.status_code not in (401, 403) or code not in (
                                "unauthorized",
                                "forbidden",
                            )
                            ok = ok and r.status_code < 500
                        else:
                            expected = (
                                (401, "unauthorized")
                                if who == "nobody"
                                else (
                                    403,
                                    "forbidden",
                                )
                            )
                            ok = (r.status_code, code) == expected
                        if not ok:
                            wrong.append(
                                f"{service} {e.method} {e.path} {params} as {who}: "
                                f"{r.status_code} {r.text[:120]}"
                            )
    assert wrong == [], "\n".join(wrong)
    assert checked > 500  # every route, filter and caller was really called


def _code(r: httpx.Response) -> str | None:
    try:
        body = r.json()
    except ValueError:
        return None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("code"))
    return None
