"""Charging an order: one payment per order id, one bank authorization per payment.

The payment is recorded PENDING *before* the bank is called, so a crash or timeout in the
middle leaves a record that the settlement loop resolves by asking the bank under the same
derived key. Nothing here ever stores or logs the card number or CVC.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from mercado_payment.clients.bank import (
    AuthorizeBody,
    BankClient,
    BankRejected,
    BankUnknown,
    CardBody,
    MoneyBody,
)
from mercado_payment.domain.payments import Settlement, Status, bank_key, settlement
from mercado_payment.domain.record import PaymentRecord
from mercado_payment.operations.settle import apply, settle_one
from mercado_payment.store import payments as store
from mercado_toolkit.errors import AppError
from mercado_toolkit.runtime import Runtime

log = logging.getLogger("mercado.payment.charge")


@dataclass(frozen=True)
class CardDetails:
    number: str
    exp_month: int
    exp_year: int
    cvc: str

    def __repr__(self) -> str:  # never print the number or CVC by accident
        return f"CardDetails(last4={self.number[-4:]})"


@dataclass(frozen=True)
class ChargeInput:
    order_id: str
    amount: int
    currency: str
    card: CardDetails | None
    card_token: str | None

    def bank_payload(self) -> AuthorizeBody:
        payload = AuthorizeBody(
            amount=MoneyBody(amount=self.amount, currency=self.currency),
            capture=True,
            reference=self.order_id,
        )
        if self.card is not None:
            c = self.card
            payload["card"] = CardBody(
                number=c.number, exp_month=c.exp_month, exp_year=c.exp_year, cvc=c.cvc
            )
        elif self.card_token is not None:
            payload["card_token"] = self.card_token
        return payload


def _check_same(row: PaymentRecord, req: ChargeInput) -> None:
    if row.amount != req.amount or row.currency != req.currency:
        raise AppError(
            409,
            "payment_mismatch",
            f"order {req.order_id} already has a payment of another amount",
            {"payment_id": row.id},
        )


async def _record_intent(rt: Runtime, req: ChargeInput, grace: float) -> tuple[PaymentRecord, bool]:
    try:
        async with rt.transaction() as session:
            existing = await store.by_order(session, req.order_id)
            if existing is not None:
                _check_same(existing, req)
                return existing, False
            row = await store.create_pending(
                session,
                req.order_id,
                req.amount,
                req.currency,
                req.card.number[-4:] if req.card else None,
                req.card_token,
                bank_key(req.order_id),
                first_check_in=grace,
            )
        return row, True
    except IntegrityError:  # a concurrent request for this order recorded it first
        async with rt.reader() as session:
            existing = await store.by_order(session, req.order_id)
        assert existing is not None
        _check_same(existing, req)
        return existing, False


async def charge(
    rt: Runtime, bank: BankClient, req: ChargeInput, grace: float
) -> tuple[PaymentRecord, bool]:
    """Returns the order's payment and whether this call created it. A repeated call never
    charges again: it returns the payment, first asking the bank if it is still PENDING."""
    row, created = await _record_intent(rt, req, grace)
    if not created:
        if row.status is Status.PENDING:
            row = await settle_one(rt, bank, row, close_after=None)
        return row, False
    try:
        answer = await bank.authorize(row.bank_key, req.bank_payload())
    except BankUnknown as exc:
        log.warning("bank outcome unknown for payment %s (%s); settling later", row.id, exc)
        return row, True
    except BankRejected as exc:
        if exc.status in (401, 403, 409):
            # Misconfiguration or an earlier request under this key: keep it PENDING and
            # let the settlement loop read what the bank holds.
            log.error("bank refused payment %s: %s", row.id, exc)
            return row, True
        return await apply(rt, row.id, Settlement(Status.DECLINED, exc.code), None), True
    s = settlement(answer.status, answer.decline_code)
    if s is None:
        return row, True
    return await apply(rt, row.id, s, answer), True
