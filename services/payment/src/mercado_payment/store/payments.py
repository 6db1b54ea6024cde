"""Payment rows. Every settlement is a conditional UPDATE from PENDING (or SUCCEEDED for a
refund), so of two concurrent settlers exactly one wins and publishes the event."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_payment.domain.payments import Settlement
from mercado_payment.domain.record import BankAnswer, PaymentRecord, Status, check_move
from mercado_payment.store.tables import payments


def _record(r: Row[tuple[object, ...]]) -> PaymentRecord:
    m = r._mapping
    return PaymentRecord(
        id=m["id"],
        order_id=m["order_id"],
        status=Status(m["status"]),
        decline_code=m["decline_code"],
        amount=m["amount"],
        currency=m["currency"],
        card_last4=m["card_last4"],
        card_token=m["card_token"],
        bank_key=m["bank_key"],
        bank_authorization_id=m["bank_authorization_id"],
        checks=m["checks"],
        next_check_at=m["next_check_at"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


async def by_id(session: AsyncSession, payment_id: str) -> PaymentRecord | None:
    row = (await session.execute(select(payments).where(payments.c.id == payment_id))).first()
    return _record(row) if row else None


async def by_order(session: AsyncSession, order_id: str) -> PaymentRecord | None:
    row = (await session.execute(select(payments).where(payments.c.order_id == order_id))).first()
    return _record(row) if row else None


async def create_pending(
    session: AsyncSession,
    order_id: str,
    amount: int,
    currency: str,
    card_last4: str | None,
    card_token: str | None,
    bank_key: str,
    first_check_in: float,
) -> PaymentRecord:
    now = datetime.now(UTC)
    record = PaymentRecord(
        id=str(uuid.uuid4()),
        order_id=order_id,
        status=Status.PENDING,
        decline_code=None,
        amount=amount,
        currency=currency,
        card_last4=card_last4,
        card_token=card_token,
        bank_key=bank_key,
        bank_authorization_id=None,
        checks=0,
        next_check_at=now + timedelta(seconds=first_check_in),
        created_at=now,
        updated_at=now,
    )
    await session.execute(insert(payments).values(**asdict(record)))
    return record


async def settle(
    session: AsyncSession, payment_id: str, s: Settlement, bank: BankAnswer | None
) -> bool:
    """PENDING -> the settled state, with what the bank's answer (if any) tells of the card
    and the authorization; False when the payment was no longer PENDING."""
    values: dict[str, object] = {"decline_code": s.decline_code}
    if bank is not None:
        values["bank_authorization_id"] = bank.id
        if bank.card_last4:
            values["card_last4"] = bank.card_last4
        if bank.card_token:
            values["card_token"] = bank.card_token
    return await _move(session, payment_id, Status.PENDING, s.status, values)


async def mark_refunded(session: AsyncSession, payment_id: str) -> bool:
    """SUCCEEDED -> REFUNDED; False when the payment was not SUCCEEDED."""
    return await _move(session, payment_id, Status.SUCCEEDED, Status.REFUNDED, {})


async def _move(
    session: AsyncSession, payment_id: str, old: Status, new: Status, values: dict[str, object]
) -> bool:
    """The one conditional UPDATE that changes a payment's status (after checking the move):
    of two concurrent movers exactly one finds it still in ``old``."""
    check_move(old, new)
    result = await session.execute(
        update(payments)
        .where(payments.c.id == payment_id, payments.c.status == old.value)
        .values(status=new.value, updated_at=datetime.now(UTC), **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def postpone(session: AsyncSession, payment_id: str, delay: float) -> None:
    await session.execute(
        update(payments)
        .where(payments.c.id == payment_id, payments.c.status == Status.PENDING.value)
        .values(
            checks=payments.c.checks + 1,
            next_check_at=datetime.now(UTC) + timedelta(seconds=delay),
        )
    )


async def due_pending(session: AsyncSession, now: datetime, limit: int) -> list[PaymentRecord]:
    rows = await session.execute(
        select(payments)
        .where(payments.c.status == Status.PENDING.value, payments.c.next_check_at <= now)
        .order_by(payments.c.next_check_at)
        .limit(limit)
    )
    return [_record(r) for r in rows]


async def page(
    session: AsyncSession, order_id: str | None, status: str | None, limit: int, offset: int
) -> tuple[list[PaymentRecord], int]:
    conditions = []
    if order_id is not None:
        conditions.append(payments.c.order_id == order_id)
    if status is not None:
        conditions.append(payments.c.status == status)
    total = await session.scalar(select(func.count()).select_from(payments).where(*conditions))
    rows = await session.execute(
        select(payments)
        .where(*conditions)
        .order_by(payments.c.created_at.desc(), payments.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [_record(r) for r in rows], int(total or 0)
