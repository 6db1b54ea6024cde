"""Public ``/api/orders``: place an order and follow it, routed to orders."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Path
from fastapi.responses import JSONResponse

from mercado_contracts.ids import IDEMPOTENCY_KEY_PATTERN
from mercado_gateway.api.deps import BackendsDep
from mercado_gateway.api.relay import relay
from mercado_gateway.domain.routing import ID_PATTERN

router = APIRouter(prefix="/api/orders", tags=["orders"])

ORDER_EXAMPLE = {
    "customer": {"email": "ada@example.com"},
    "lines": [{"product_id": "0b7c4f7e-6a55-4c1e-9a37-2f3a1c9b8d10", "quantity": 2}],
    "payment": {
        "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    },
}


@router.post("", status_code=201)
async def place_order(
    backends: BackendsDep,
    idempotency_key: Annotated[
        str, Header(alias="Idempotency-Key", pattern=IDEMPOTENCY_KEY_PATTERN)
    ],
    body: Annotated[dict[str, Any], Body(examples=[ORDER_EXAMPLE])],
) -> JSONResponse:
    """Places an order (the checkout saga then runs on its own: poll the order).

    The same ``Idempotency-Key`` with the same body returns the same order, so a client
    (and the gateway itself) may retry safely. The body is validated by orders.
    """
    return await relay(backends.orders.place_order(body, idempotency_key), "orders")


@router.get("/{order_id}")
async def get_order(
    backends: BackendsDep, order_id: Annotated[str, Path(pattern=ID_PATTERN)]
) -> JSONResponse:
    """One order, with its status; final once ``CONFIRMED`` or ``CANCELLED``."""
    return await relay(backends.orders.get_order(order_id), "orders")
