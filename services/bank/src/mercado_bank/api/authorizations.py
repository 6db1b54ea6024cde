"""Routes of ``/authorizations``: authorize (idempotent on ``Idempotency-Key``), look up,
capture, refund, and close an unused key."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response

from mercado_bank.api.faults import inject_faults
from mercado_bank.api.schemas import (
    IDEMPOTENCY_KEY_PATTERN,
    Authorization,
    AuthorizeRequest,
    CloseRequest,
)
from mercado_bank.domain import authorizations as rules
from mercado_bank.domain.authorizations import Status
from mercado_bank.domain.cards import Card
from mercado_bank.domain.record import AuthorizationRecord
from mercado_bank.operations import lifecycle
from mercado_bank.operations.authorize import AuthorizeInput, authorize
from mercado_bank.store import authorizations as store
from mercado_toolkit.auth import require_token
from mercado_toolkit.deps import Rt
from mercado_toolkit.errors import AppError, errors
from mercado_toolkit.pagination import Page, PageParams, page_params


def _callers(request: Request) -> list[str]:
    s = request.app.state.settings
    return [s.accepted_callers.payment.get_secret_value(), s.admin_token.get_secret_value()]


router = APIRouter(
    prefix="/authorizations",
    tags=["authorizations"],
    dependencies=[Depends(require_token(_callers)), Depends(inject_faults)],
    responses=errors(401, 403, 404, 409, 422, 503),
)

AuthId = Annotated[str, Path(min_length=1, max_length=36)]
Key = Annotated[str, Path(pattern=IDEMPOTENCY_KEY_PATTERN)]


def _out(row: AuthorizationRecord) -> Authorization:
    return Authorization.from_row(row)


@router.post(
    "",
    response_model=Authorization,
    status_code=201,
    responses={200: {"model": Authorization, "description": "the same key answered again"}},
)
async def create_authorization(
    rt: Rt,
    request: Request,
    response: Response,
    body: AuthorizeRequest,
    idempotency_key: Annotated[
        str, Header(alias="Idempotency-Key", pattern=IDEMPOTENCY_KEY_PATTERN)
    ],
) -> Authorization:
    """Authorizes (and by default captures) a payment. The same key answers the same
    result again (200) and never authorizes twice; the same key with another body is 409."""
    settings = request.app.state.settings
    card = None
    if body.card is not None:
        c = body.card
        card = Card(c.number, c.exp_month, c.exp_year, c.cvc)
    req = AuthorizeInput(
        key=idempotency_key,
        amount=body.amount.amount,
        currency=body.amount.currency,
        capture=body.capture,
        reference=body.reference,
        card=card,
        card_token=body.card_token,
    )
    outcome = await authorize(rt, req, settings.fingerprint_secret())
    if outcome.row is None:
        raise AppError(
            503, "bank_unavailable", "temporary failure: retry with the same Idempotency-Key"
        )
    if outcome.slow:
        # The outcome is recorded (and can be looked up); only the answer is late.
        await asyncio.sleep(settings.slow_card_delay_seconds)
    response.status_code = 201 if outcome.created else 200
    return _out(outcome.row)


@router.get("", response_model=Page[Authorization])
async def list_authorizations(
    rt: Rt,
    page: Annotated[PageParams, Depends(page_params)],
    reference: Annotated[str | None, Query(max_length=128)] = None,
    idempotency_key: Annotated[str | None, Query(max_length=255)] = None,
    status: Status | None = None,
) -> Page[Authorization]:
    async with rt.reader() as session:
        rows, total = await store.page(
            session, reference, idempotency_key, status, page.limit, page.offset
        )
    return Page[Authorization](
        items=[_out(r) for r in rows], total=total, limit=page.limit, offset=page.offset
    )


@router.get("/by-key/{key}", response_model=Authorization)
async def get_by_key(rt: Rt, key: Key) -> Authorization:
    """What happened to the request sent under ``key`` (404: nothing was recorded)."""
    return _out(await lifecycle.get_by_key(rt, key))


@router.post(
    "/by-key/{key}/close",
    response_model=Authorization,
    responses={201: {"model": Authorization, "description": "the key was unused: now closed"}},
)
async def close_key(
    rt: Rt, response: Response, key: Key, body: CloseRequest | None = None
) -> Authorization:
    """Settles a key for good: its current authorization, or, when none exists yet, a
    ``closed`` record (201) so that a late request under this key charges nothing."""
    row, closed = await lifecycle.close_key(rt, key, body.reference if body else None)
    response.status_code = 201 if closed else 200
    return _out(row)


@router.get("/{auth_id}", response_model=Authorization)
async def get_authorization(rt: Rt, auth_id: AuthId) -> Authorization:
    return _out(await lifecycle.get(rt, auth_id))


@router.post("/{auth_id}/capture", response_model=Authorization)
async def capture(rt: Rt, auth_id: AuthId) -> Authorization:
    return _out(await lifecycle.move(rt, auth_id, rules.capture))


@router.post("/{auth_id}/refund", response_model=Authorization)
async def refund(rt: Rt, auth_id: AuthId) -> Authorization:
    return _out(await lifecycle.move(rt, auth_id, rules.refund))
