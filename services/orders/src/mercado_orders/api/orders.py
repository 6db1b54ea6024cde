"""Routes of ``/orders``: place (with an Idempotency-Key), read, list by customer, cancel."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from mercado_contracts.cards import last4
from mercado_contracts.errors import ErrorCode
from mercado_contracts.events.orders import OrderView as Order
from mercado_contracts.ids import EMAIL_PATTERN, MAX_IDEMPOTENCY_KEY, valid_idempotency_key
from mercado_contracts.limits import MAX_EMAIL
from mercado_orders.api.deps import Ctx, Driver
from mercado_orders.api.schemas import OrderCreate
from mercado_orders.domain.orders import PricedLine, Status
from mercado_orders.domain.views import order_view
from mercado_orders.operations import cancel as cancel_ops
from mercado_orders.operations.context import Row
from mercado_orders.operations.place import NewOrder, place
from mercado_orders.store import orders as store
from mercado_toolkit.auth import require_admin
from mercado_toolkit.errors import AppError
from mercado_toolkit.pagination import Page, PageParams, page_params

router = APIRouter(prefix="/orders", tags=["orders"])


def _out(row: Row, lines: list[PricedLine]) -> Order:
    return order_view(row, lines)


def _key(value: str | None) -> str:
    if value is None or not value.strip():
        raise AppError(
            400,
            ErrorCode.IDEMPOTENCY_KEY_REQUIRED,
            f"the Idempotency-Key header is required: a unique string of 1 to "
            f"{MAX_IDEMPOTENCY_KEY} characters per order, reused only to retry the same request",
        )
    key = value.strip()
    if not valid_idempotency_key(key):
        raise AppError(
            400,
            ErrorCode.INVALID_IDEMPOTENCY_KEY,
            f"the Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII "
            "characters (no spaces)",
        )
    return key


def _new_order(body: OrderCreate) -> NewOrder:
    card = body.payment.card
    lines = [(str(ln.product_id), ln.quantity) for ln in body.lines]
    email = body.customer.email.lower()
    method: dict[str, object]
    if card is not None:
        method = {
            "card": {
                "last4": last4(card.number),
                "exp_month": card.exp_month,
                "exp_year": card.exp_year,
            }
        }
    else:
        method = {"card_token": body.payment.card_token}
    return NewOrder(
        email=email,
        lines=lines,
        card=card.model_dump() if card is not None else None,
        card_token=body.payment.card_token,
        card_last4=last4(card.number) if card is not None else None,
        summary={"customer": email, "lines": [list(ln) for ln in lines], "payment": method},
    )


@router.post("", status_code=201, response_model=Order)
async def create_order(
    ctx: Ctx,
    driver: Driver,
    response: Response,
    body: OrderCreate,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Order:
    placed = await place(ctx, driver, _key(idempotency_key), _new_order(body))
    response.status_code = 201 if placed.created else 200
    return _out(placed.row, placed.lines)


@router.get("", response_model=Page[Order])
async def list_orders(
    ctx: Ctx,
    request: Request,
    page: Annotated[PageParams, Depends(page_params)],
    customer: Annotated[str | None, Query(max_length=MAX_EMAIL, pattern=EMAIL_PATTERN)] = None,
    status: Status | None = None,
) -> Page[Order]:
    if customer is None:
        require_admin(request)  # all customers' orders: admins only
    email = customer.strip().lower() if customer else None
    async with ctx.rt.reader() as session:
        rows, total = await store.page(
            session, email, status.value if status else None, page.limit, page.offset
        )
        lines = await store.lines_of(session, [r["id"] for r in rows])
    return Page[Order](
        items=[_out(r, lines[r["id"]]) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{order_id}", response_model=Order)
async def get_order(ctx: Ctx, order_id: uuid.UUID) -> Order:
    row, lines = await cancel_ops.load(ctx, str(order_id))
    return _out(row, lines)


@router.post(
    "/{order_id}/cancel",
    response_model=Order,
    responses={202: {"description": "cancellation accepted, still in progress"}},
)
async def cancel_order(ctx: Ctx, driver: Driver, response: Response, order_id: uuid.UUID) -> Order:
    row, lines = await cancel_ops.cancel(ctx, driver, str(order_id))
    response.status_code = 200 if row["status"] == Status.CANCELLED else 202
    return _out(row, lines)
