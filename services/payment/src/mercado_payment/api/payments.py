"""Routes of ``/payments``: charge (idempotent per order id), read, list, refund.

Only the orders service's token may charge and refund; the admin token may also read.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from mercado_contracts.cards import luhn_valid
from mercado_contracts.errors import ErrorCode
from mercado_contracts.ids import ORDER_REF_PATTERN
from mercado_payment.api.deps import Bank, Rt
from mercado_payment.api.schemas import Payment, PaymentCreate
from mercado_payment.domain.payments import Status
from mercado_payment.operations import refund as refunds
from mercado_payment.operations.charge import CardDetails, ChargeInput, charge
from mercado_payment.store import payments as store
from mercado_toolkit.auth import require_token
from mercado_toolkit.errors import AppError, errors
from mercado_toolkit.pagination import Page, PageParams, page_params


def _callers(request: Request) -> list[str]:
    s = request.app.state.settings
    tokens = [s.accepted_callers.orders.get_secret_value()]
    if request.method == "GET":
        tokens.append(s.admin_token.get_secret_value())
    return tokens


router = APIRouter(
    prefix="/payments",
    tags=["payments"],
    dependencies=[Depends(require_token(_callers))],
    responses=errors(401, 403, 404, 409, 422, 502, 503),
)


PaymentId = Annotated[uuid.UUID, Path(description="payment id (UUID)")]


@router.post(
    "",
    response_model=Payment,
    status_code=201,
    responses={200: {"model": Payment, "description": "the order's existing payment"}},
)
async def create_payment(
    rt: Rt, bank: Bank, request: Request, response: Response, body: PaymentCreate
) -> Payment:
    """Charges the order once: 201 with the new payment, 200 with the existing one."""
    card = None
    if body.card is not None:
        if not luhn_valid(body.card.number):
            raise AppError(
                422, ErrorCode.INVALID_CARD_NUMBER, "card number is not a valid card number"
            )
        c = body.card
        card = CardDetails(c.number, c.exp_month, c.exp_year, c.cvc)
    req = ChargeInput(
        order_id=body.order_id,
        amount=body.amount.amount,
        currency=body.amount.currency,
        card=card,
        card_token=body.card_token,
    )
    grace = request.app.state.settings.bank_call_budget_seconds
    row, created = await charge(rt, bank, req, grace)
    response.status_code = 201 if created else 200
    return Payment.from_row(row)


@router.get("", response_model=Page[Payment])
async def list_payments(
    rt: Rt,
    page: Annotated[PageParams, Depends(page_params)],
    order_id: Annotated[
        str | None, Query(min_length=1, max_length=64, pattern=ORDER_REF_PATTERN)
    ] = None,
    status: Status | None = None,
) -> Page[Payment]:
    async with rt.reader() as session:
        rows, total = await store.page(
            session, order_id, status.value if status else None, page.limit, page.offset
        )
    return Page[Payment](
        items=[Payment.from_row(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{payment_id}", response_model=Payment)
async def get_payment(rt: Rt, payment_id: PaymentId) -> Payment:
    return Payment.from_row(await refunds.get(rt, str(payment_id)))


@router.post("/{payment_id}/refund", response_model=Payment)
async def refund_payment(rt: Rt, bank: Bank, payment_id: PaymentId) -> Payment:
    """SUCCEEDED -> REFUNDED; a refunded payment is returned as is (idempotent);
    PENDING -> 409 ``payment_pending``; DECLINED -> 409 ``payment_not_refundable``."""
    return Payment.from_row(await refunds.refund(rt, bank, str(payment_id)))
