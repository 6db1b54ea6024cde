"""Public ``/api/orders``: place an order and follow it, routed to orders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Header, Path
from fastapi.openapi.models import Example
from fastapi.responses import Response

from mercado_contracts.checkout import OrderCreate
from mercado_contracts.ids import product_id_for
from mercado_gateway.api.deps import BackendsDep
from mercado_gateway.api.relay import relay
from mercado_gateway.domain.routing import ID_PATTERN, ORDER_TOKEN
from mercado_toolkit.errors import AppError, errors
from mercado_toolkit.idempotency import idempotency_key

router = APIRouter(
    prefix="/api/orders",
    tags=["orders"],
    responses=errors(400, 401, 404, 409, 422, 502, 503),
)

# A product of the demo shop (`mercado up` seeds it); its id follows from its SKU, so the
# example works as it stands against any shop seeded with the demo catalog.
EXAMPLE_SKU = "BK-001"
ORDER_EXAMPLE = {
    "customer": {"email": "ada@example.com"},
    "lines": [{"product_id": product_id_for(EXAMPLE_SKU), "quantity": 2}],
    "payment": {
        "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    },
}
ORDER_EXAMPLES: dict[str, Example] = {
    "demo": {
        "summary": f"two of the demo shop's {EXAMPLE_SKU}, paid with the test card that succeeds",
        "description": (
            f"`{product_id_for(EXAMPLE_SKU)}` is the demo product {EXAMPLE_SKU} (The "
            "Pragmatic Programmer): a product's id is derived from its SKU, so it is the same "
            "in every shop seeded with the demo catalog. Card 4242424242424242 is accepted "
            "by the bank simulator; 4000000000000002 is declined."
        ),
        "value": ORDER_EXAMPLE,
    }
}


@router.post("", status_code=201)
async def place_order(
    backends: BackendsDep,
    body: Annotated[OrderCreate, Body(openapi_examples=ORDER_EXAMPLES)],
    key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    """Places an order (the checkout saga then runs on its own: poll the order).

    The same ``Idempotency-Key`` with the same body returns the same order, so a client
    (and the gateway itself) may retry safely. The answer carries the order's
    ``access_token``: keep it, it is what reads the order later (``Order-Token`` header).
    """
    checked = idempotency_key(key)
    return await relay(backends.orders.place_order(body, checked), "orders")


@router.get("/{order_id}")
async def get_order(
    backends: BackendsDep,
    order_id: Annotated[str, Path(pattern=ID_PATTERN)],
    order_token: Annotated[
        str | None,
        Header(alias="Order-Token", description="the access_token returned with the order"),
    ] = None,
) -> Response:
    """One order, with its status; final once ``CONFIRMED`` or ``CANCELLED``."""
    if not order_token or not ORDER_TOKEN.fullmatch(order_token):
        raise AppError(
            401,
            "order_token_required",
            "the Order-Token header is required: the access_token returned when the order "
            "was placed",
        )
    return await relay(backends.orders.get_order(order_id, order_token), "orders")
