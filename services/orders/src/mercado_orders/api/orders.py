"""Routes of ``/orders``: place (with an Idempotency-Key), read, list (admin), cancel.

Every route takes the gateway's or the admin's token; reading or cancelling one order also
takes its access token (``Order-Token``) unless the caller is the admin."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from mercado_contracts.cards import last4
from mercado_contracts.events.orders import OrderView as Order
from mercado_contracts.ids import Email
from mercado_orders.api.access import access_token, require_caller, require_order_access
from mercado_orders.api.deps import Ctx, Driver
from mercado_orders.api.schemas import CardPayment, OrderCreate, PlacedOrder, TokenPayment
from mercado_orders.domain.orders import PricedLine, Status
from mercado_orders.domain.record import OrderRecord
from mercado_orders.domain.views import order_view
from mercado_orders.operations import cancel as cancel_ops
from mercado_orders.operations.place import NewOrder, place
from mercado_orders.store import orders as store
from mercado_toolkit.auth import require_admin
from mercado_toolkit.errors import errors
from mercado_toolkit.idempotency import idempotency_key
from mercado_toolkit.pagination import Page, PageParams, page_params

router = APIRouter(
    prefix="/orders",
    tags=["orders"],
    dependencies=[Depends(require_caller)],
    responses=errors(401, 403),
)


def _out(row: OrderRecord, lines: list[PricedLine]) -> Order:
    return order_view(row, lines)


def _new_order(body: OrderCreate) -> NewOrder:
    card = body.payment.card if isinstance(body.payment, CardPayment) else None
    token = body.payment.card_token if isinstance(body.payment, TokenPayment) else None
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
        method = {"card_token": token}
    return NewOrder(
        email=email,
        lines=lines,
        card=card,
        card_token=token,
        card_last4=last4(card.number) if card is not None else None,
        summary={"customer": email, "lines": [list(ln) for ln in lines], "payment": method},
    )


@router.post(
    "",
    status_code=201,
    response_model=PlacedOrder,
    responses={
        200: {"model": PlacedOrder, "description": "the same order, for a retry"},
        **errors(400, 409, 422, 503),
    },
)
async def create_order(
    ctx: Ctx,
    driver: Driver,
    request: Request,
    response: Response,
    body: OrderCreate,
    key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> PlacedOrder:
    """Accepts an order; its ``access_token`` is what reads or cancels it later."""
    placed = await place(ctx, driver, idempotency_key(key), _new_order(body))
    response.status_code = 201 if placed.created else 200
    order = _out(placed.row, placed.lines)
    token = access_token(request.app.state.settings, order.id)
    return PlacedOrder(**order.model_dump(), access_token=token)


@router.get(
    "", response_model=Page[Order], dependencies=[Depends(require_admin)], responses=errors(422)
)
async def list_orders(
    ctx: Ctx,
    page: Annotated[PageParams, Depends(page_params)],
    customer: Annotated[Email | None, Query()] = None,
    status: Status | None = None,
) -> Page[Order]:
    """Orders, newest first (admin only: a customer reads an order with its token)."""
    email = customer.strip().lower() if customer else None
    async with ctx.rt.reader() as session:
        rows, total = await store.page(
            session, email, status.value if status else None, page.limit, page.offset
        )
        lines = await store.lines_of(session, [r.id for r in rows])
    return Page[Order](
        items=[_out(r, lines[r.id]) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{order_id}", response_model=Order, responses=errors(404, 422))
async def get_order(ctx: Ctx, request: Request, order_id: uuid.UUID) -> Order:
    require_order_access(request, str(order_id))
    row, lines = await cancel_ops.load(ctx, str(order_id))
    return _out(row, lines)


@router.post(
    "/{order_id}/cancel",
    response_model=Order,
    responses={
        202: {"model": Order, "description": "cancellation accepted, still in progress"},
        **errors(404, 409, 422),
    },
)
async def cancel_order(
    ctx: Ctx, driver: Driver, request: Request, response: Response, order_id: uuid.UUID
) -> Order:
    require_order_access(request, str(order_id))
    row, lines = await cancel_ops.cancel(ctx, driver, str(order_id))
    response.status_code = 200 if row.status is Status.CANCELLED else 202
    return _out(row, lines)
