"""Refunding a payment: SUCCEEDED -> REFUNDED once; repeating it is harmless."""

from __future__ import annotations

from mercado_payment.clients.bank import BankClient, BankRejected, BankUnknown
from mercado_payment.domain.payments import RefundRefused, check_refundable
from mercado_payment.domain.record import PaymentRecord
from mercado_payment.events.publish import payment_event
from mercado_payment.store import payments as store
from mercado_toolkit.errors import AppError
from mercado_toolkit.metrics import PAYMENTS
from mercado_toolkit.runtime import Runtime


def not_found(payment_id: str) -> AppError:
    return AppError(404, "payment_not_found", f"no payment with id {payment_id}")


async def get(rt: Runtime, payment_id: str) -> PaymentRecord:
    async with rt.reader() as session:
        row = await store.by_id(session, payment_id)
    if row is None:
        raise not_found(payment_id)
    return row


async def refund(rt: Runtime, bank: BankClient, payment_id: str) -> PaymentRecord:
    row = await get(rt, payment_id)
    try:
        if not check_refundable(row.status):
            return row
    except RefundRefused as exc:
        raise AppError(409, exc.code, str(exc)) from exc
    try:
        await bank.refund(str(row.bank_authorization_id))
    except BankUnknown as exc:
        raise AppError(
            503, "dependency_unavailable", "the bank is not answering; retry the refund"
        ) from exc
    except BankRejected as exc:
        raise AppError(502, "bank_refused", f"the bank refused the refund ({exc.code})") from exc
    async with rt.transaction() as session:
        moved = await store.mark_refunded(session, payment_id)
        updated = await store.by_id(session, payment_id)
        assert updated is not None
        if moved:
            await payment_event(rt.outbox, session, updated)
    if moved:
        PAYMENTS.labels("payment", "refunded").inc()
    return updated
