"""Authorizing a payment: one authorization per idempotency key, ever."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_bank.domain.authorizations import Status
from mercado_bank.domain.cards import (
    Card,
    InvalidCard,
    Rule,
    decline_code,
    fingerprint,
    rule_for,
)
from mercado_bank.domain.record import AuthorizationRecord
from mercado_bank.store import authorizations as store
from mercado_bank.store import cards
from mercado_contracts.cards import last4
from mercado_toolkit.errors import AppError
from mercado_toolkit.runtime import Runtime


@dataclass(frozen=True)
class AuthorizeInput:
    key: str
    amount: int
    currency: str
    capture: bool
    reference: str | None
    card: Card | None = None
    card_token: str | None = None

    def fingerprint_material(self) -> dict[str, object]:
        card: object = self.card_token
        if self.card is not None:
            c = self.card
            card = [c.number, c.exp_month, c.exp_year, c.cvc]
        return {
            "amount": self.amount,
            "currency": self.currency,
            "capture": self.capture,
            "reference": self.reference,
            "card": card,
        }


@dataclass(frozen=True)
class Outcome:
    """``row`` is None when the bank answers this try with a (simulated) failure."""

    row: AuthorizationRecord | None
    created: bool
    slow: bool


@dataclass(frozen=True)
class _CardInfo:
    rule: Rule
    last4: str
    exp_month: int
    exp_year: int
    token: str | None


async def authorize(rt: Runtime, req: AuthorizeInput, fingerprint_key: bytes) -> Outcome:
    fp = fingerprint(fingerprint_key, req.fingerprint_material())
    try:
        return await _authorize_once(rt, req, fp)
    except IntegrityError:
        # A concurrent request with the same key won the insert: answer with its result.
        return await _authorize_once(rt, req, fp)


async def _resolve_card(session: AsyncSession, req: AuthorizeInput) -> _CardInfo:
    if req.card is not None:
        try:
            rule = rule_for(req.card.number)
        except InvalidCard as exc:
            raise AppError(422, "invalid_card_number", str(exc)) from exc
        return _CardInfo(rule, last4(req.card.number), req.card.exp_month, req.card.exp_year, None)
    assert req.card_token is not None
    found = await cards.get(session, req.card_token)
    if found is None:
        raise AppError(422, "unknown_card_token", "no card is known under this card_token")
    return _CardInfo(found.rule, found.last4, found.exp_month, found.exp_year, found.token)


async def _authorize_once(rt: Runtime, req: AuthorizeInput, fp: str) -> Outcome:
    async with rt.transaction() as session:
        existing = await store.by_key(session, req.key)
        if existing is not None:
            if existing.status is not Status.CLOSED and existing.fingerprint != fp:
                raise AppError(
                    409,
                    "idempotency_key_reused",
                    "this Idempotency-Key was already used for a different request",
                )
            return Outcome(existing, created=False, slow=existing.rule is Rule.SLOW)
        card = await _resolve_card(session, req)
        if card.rule is Rule.FAIL_FIRST and not await store.first_failure_seen(session, req.key):
            await store.record_first_failure(session, req.key)
            return Outcome(None, created=False, slow=False)
        code = decline_code(card.rule, card.exp_month, card.exp_year, datetime.now(UTC).date())
        token = card.token
        if token is None:
            made = await cards.create(session, card.last4, card.exp_month, card.exp_year, card.rule)
            token = made.token
        if code is not None:
            status = Status.DECLINED
        else:
            status = Status.CAPTURED if req.capture else Status.AUTHORIZED
        row = await store.create(
            session,
            key=req.key,
            fingerprint=fp,
            reference=req.reference,
            amount=req.amount,
            currency=req.currency,
            status=status,
            decline_code=code,
            card_token=token,
            card_last4=card.last4,
            rule=card.rule,
        )
    return Outcome(row, created=True, slow=card.rule is Rule.SLOW)
