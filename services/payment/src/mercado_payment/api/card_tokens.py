"""Routes of ``/card-tokens``: orders exchanges a customer's card for the bank's token
before it accepts the order, so nothing needed to charge it lives in one process's memory
and no service but the bank ever keeps a card number."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from mercado_contracts.cards import CardIn, luhn_valid
from mercado_payment.api.deps import Bank
from mercado_payment.api.schemas import CardTokenOut
from mercado_payment.clients.bank import BankRejected, BankUnknown, CardBody
from mercado_toolkit.auth import require_token
from mercado_toolkit.errors import AppError, errors


def _callers(request: Request) -> list[str]:
    return [request.app.state.settings.accepted_callers.orders.get_secret_value()]


router = APIRouter(
    prefix="/card-tokens",
    tags=["card tokens"],
    dependencies=[Depends(require_token(_callers))],
    responses=errors(401, 403, 422, 503),
)


@router.post(
    "",
    response_model=CardTokenOut,
    status_code=201,
    responses={
        422: {"description": "not a valid card number"},
        503: {"description": "the bank did not answer; try again"},
    },
)
async def create_card_token(bank: Bank, body: CardIn) -> CardTokenOut:
    """The bank's token for this card (a new one for each call)."""
    if not luhn_valid(body.number):
        raise AppError(422, "invalid_card_number", "card number is not a valid card number")
    card = CardBody(
        number=body.number, exp_month=body.exp_month, exp_year=body.exp_year, cvc=body.cvc
    )
    try:
        made = await bank.tokenize(card)
    except BankUnknown as exc:
        raise AppError(503, "bank_unavailable", "the bank did not answer; try again") from exc
    except BankRejected as exc:
        raise AppError(422, exc.code, "the bank refused this card") from exc
    return CardTokenOut(card_token=made["card_token"], card_last4=made["last4"])
