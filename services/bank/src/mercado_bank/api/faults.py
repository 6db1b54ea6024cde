"""Fault injection: a dependency adding latency and random 503s, and its admin routes."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request

from mercado_bank.api.schemas import FaultsBody, FaultsOut
from mercado_bank.domain.authorizations import Faults
from mercado_toolkit.auth import bearer_token, require_admin, same_token
from mercado_toolkit.errors import AppError, errors


def current_faults(request: Request) -> Faults:
    faults: Faults = request.app.state.faults
    return faults


async def inject_faults(request: Request) -> None:
    """Runs before every bank operation of a client: waits ``latency_ms``, then maybe
    fails (nothing is recorded for a request answered with a simulated failure). Requests
    with the admin token (inspection) are not slowed down nor failed."""
    admin = request.app.state.settings.admin_token.get_secret_value()
    token = bearer_token(request)
    if token is not None and same_token(token, admin):
        return
    faults = current_faults(request)
    if faults.latency_ms:
        await asyncio.sleep(faults.latency_ms / 1000)
    if faults.should_fail():
        raise AppError(503, "bank_unavailable", "simulated failure: retry later")


router = APIRouter(
    prefix="/admin/faults",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses=errors(401, 403, 422),
)


def _out(faults: Faults) -> FaultsOut:
    return FaultsOut(latency_ms=faults.latency_ms, failure_rate=faults.failure_rate)


@router.get("", response_model=FaultsOut)
async def get_faults(request: Request) -> FaultsOut:
    return _out(current_faults(request))


@router.put("", response_model=FaultsOut)
async def set_faults(request: Request, body: FaultsBody) -> FaultsOut:
    """Changes the given fields; omitted fields keep their value."""
    faults = current_faults(request)
    if body.latency_ms is not None:
        faults.latency_ms = body.latency_ms
    if body.failure_rate is not None:
        faults.failure_rate = body.failure_rate
    return _out(faults)
