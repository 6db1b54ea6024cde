"""The gateway's pure rules, and the toolkit's stateless service option it relies on."""

from __future__ import annotations

import re

import pytest
from fastapi import APIRouter
from pydantic import ValidationError

from mercado_contracts.states import OrderStatus
from mercado_gateway.app import create_app
from mercado_gateway.domain.routing import (
    ID_PATTERN,
    ProductSort,
    is_final,
    public_status,
    query_params,
)
from mercado_gateway.settings import GatewaySettings
from mercado_orders.domain.orders import Status as OrdersStatus
from mercado_orders.domain.orders import is_final as orders_is_final
from mercado_toolkit.app import ServiceSpec, create_service_app
from mercado_toolkit.settings import ServiceSettings


def test_query_params_drop_unset_values_and_spell_booleans_as_json() -> None:
    assert query_params(
        {"q": "tea", "category": None, "in_stock": False, "limit": 20, "sort": "-price"}
    ) == {"q": "tea", "in_stock": "false", "limit": "20", "sort": "-price"}
    assert query_params({"in_stock": True, "min_price": 0}) == {
        "in_stock": "true",
        "min_price": "0",
    }


def test_sort_keys_are_the_catalogs() -> None:
    assert {s.value for s in ProductSort} == {"name", "-name", "price", "-price", "newest"}


@pytest.mark.parametrize(
    ("backend", "public"),
    [(200, 200), (201, 201), (404, 404), (409, 409), (422, 422), (401, 502), (403, 502)],
)
def test_backend_statuses_pass_through_except_refused_credentials(
    backend: int, public: int
) -> None:
    assert public_status(backend) == public


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("0b7c4f7e-6a55-4c1e-9a37-2f3a1c9b8d10", True),
        ("01HZX3K4ABCDEF", True),
        ("..", False),
        ("a/b", False),
        ("a.b", False),
        ("", False),
        ("x" * 65, False),
    ],
)
def test_ids_in_public_paths(value: str, ok: bool) -> None:
    assert bool(re.fullmatch(ID_PATTERN, value)) is ok


@pytest.mark.parametrize("status", list(OrderStatus))
def test_the_gateway_stops_polling_exactly_when_orders_stops_working(status: OrderStatus) -> None:
    """The storefront's "final" is orders' own rule for an order nobody asked to cancel."""
    assert is_final(status.value) is orders_is_final(OrdersStatus(status.value), None)


def test_gateway_settings_come_from_its_env_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MERCADO_GATEWAY_CATALOG__URL", "http://catalog:8080")
    monkeypatch.setenv("MERCADO_GATEWAY_ORDERS__TOKEN", "secret")
    monkeypatch.setenv("MERCADO_GATEWAY_ADMIN_TOKEN", "admin")
    monkeypatch.setenv("MERCADO_CATALOG_PORT", "9999")
    settings = GatewaySettings()
    assert settings.port == 8080
    assert settings.catalog.url == "http://catalog:8080"
    assert settings.catalog.timeout_seconds == 3.0  # the gateway's default for catalog
    assert settings.orders.token is not None
    assert settings.orders.token.get_secret_value() == "secret"


def test_no_secret_has_a_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MERCADO_GATEWAY_ADMIN_TOKEN", raising=False)
    with pytest.raises(ValidationError, match="admin_token"):
        GatewaySettings()


def test_the_public_api_is_read_only_on_the_catalog() -> None:
    paths = create_app(GatewaySettings(log_json=False, admin_token="admin")).openapi()["paths"]
    public = {
        p: sorted(m.upper() for m in ops) for p, ops in paths.items() if p.startswith("/api/")
    }
    assert public == {
        "/api/products": ["GET"],
        "/api/products/{product_id}": ["GET"],
        "/api/categories": ["GET"],
        "/api/orders": ["POST"],
        "/api/orders/{order_id}": ["GET"],
    }


def test_a_stateless_service_takes_no_subscriptions_or_hooks() -> None:
    async def hook(_: object) -> None:
        return None

    spec = ServiceSpec(
        name="x",
        title="x",
        settings=ServiceSettings(log_json=False, admin_token="admin"),
        metadata=None,
        migrations=None,
        routers=[APIRouter()],
        on_start=[hook],
    )
    with pytest.raises(ValueError, match="stateless"):
        create_service_app(spec)
