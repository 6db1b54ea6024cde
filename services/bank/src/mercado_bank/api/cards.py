"""Routes of ``/cards``: exchange a card for a token (the bank keeps the card's rule, last
four digits and expiry; never its number nor its CVC)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from mercado_bank.api.schemas import TokenizedCard
from mercado_bank.domain.cards import InvalidCard, rule_for
from mercado_bank.store import cards
from mercado_contracts.cards import CardIn, last4
from mercado_toolkit.auth import require_token
from mercado_toolkit.deps import runtime
from mercado_toolkit.errors import AppError, errors
from mercado_toolkit.runtime import Runtime


def _callers(request: Request) -> list[str]:
    s = request.app.state.settings
    return [s.accepted_callers.payment.get_secret_value(), s.admin_token.get_secret_value()]


router = APIRouter(
    prefix="/cards",
    tags=["cards"],
    dependencies=[Depends(require_token(_callers))],
    responses=errors(401, 403, 422),
)

Rt = Annotated[Runtime, Depends(runtime)]


@router.post(
    "",
    response_model=TokenizedCard,
    status_code=201,
    responses={422: {"description": "not a card number the bank knows"}},
)
async def tokenize_card(rt: Rt, body: CardIn) -> TokenizedCard:
    """Stores what the bank needs to charge the card later and answers its token."""
    try:
        rule = rule_for(body.number)
    except InvalidCard as exc:
        raise AppError(422, "invalid_card_number", str(exc)) from exc
    async with rt.transaction() as session:
        card = await cards.create(session, last4(body.number), body.exp_month, body.exp_year, rule)
    return TokenizedCard(
        card_token=card.token, last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year
    )
