"""Routes of ``/reservations``: reserve, commit, release (idempotent per order id)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from mercado_contracts.ids import ORDER_REF_PATTERN
from mercado_inventory.api.schemas import LineOut, ReservationOut, ReserveRequest
from mercado_inventory.domain.reservations import InvalidLines, Reservation, normalize_lines
from mercado_inventory.operations import reservations as ops
from mercado_toolkit.auth import require_token
from mercado_toolkit.deps import Rt
from mercado_toolkit.errors import AppError, errors


def _callers(request: Request) -> list[str]:
    s = request.app.state.settings
    return [s.accepted_callers.orders.get_secret_value(), s.admin_token.get_secret_value()]


router = APIRouter(
    prefix="/reservations",
    tags=["reservations"],
    dependencies=[Depends(require_token(_callers))],
    responses=errors(401, 403, 404, 409, 422),
)

OrderId = Annotated[str, Path(min_length=1, max_length=64, pattern=ORDER_REF_PATTERN)]


def _out(r: Reservation) -> ReservationOut:
    return ReservationOut(
        order_id=r.order_id,
        status=r.status,
        expires_at=r.expires_at,
        lines=[LineOut(sku=ln.sku, quantity=ln.quantity) for ln in r.lines],
    )


@router.post(
    "",
    response_model=ReservationOut,
    status_code=201,
    responses={200: {"model": ReservationOut, "description": "the same order's reservation"}},
)
async def reserve(
    rt: Rt, request: Request, response: Response, body: ReserveRequest
) -> ReservationOut:
    try:
        lines = normalize_lines((ln.sku, ln.quantity) for ln in body.lines)
    except InvalidLines as exc:
        raise AppError(422, "validation_error", str(exc)) from exc
    ttl = body.ttl_seconds or request.app.state.settings.reservation_ttl_seconds
    result = await ops.reserve(rt, body.order_id, lines, ttl)
    response.status_code = 201 if result.created else 200
    return _out(result)


@router.get("/{order_id}", response_model=ReservationOut)
async def get_reservation(rt: Rt, order_id: OrderId) -> ReservationOut:
    return _out(await ops.get(rt, order_id))


@router.post("/{order_id}/commit", response_model=ReservationOut)
async def commit(rt: Rt, order_id: OrderId) -> ReservationOut:
    return _out(await ops.commit(rt, order_id))


@router.post("/{order_id}/release", response_model=ReservationOut)
async def release(rt: Rt, order_id: OrderId) -> ReservationOut:
    return _out(await ops.release(rt, order_id))
