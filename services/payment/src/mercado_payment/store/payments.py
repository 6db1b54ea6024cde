"""Payment rows. Every settlement is a conditional UPDATE from PENDING (or SUCCEEDED for a
refund), so of two concurrent settlers exactly one wins and publishes the event."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_payment.store.tables import payments

Row = dict[str, Any]


async def by_id(session: AsyncSession, payment_id: str) -> Row | None:
    row = (await session.execute(select(payments).where(payments.c.id == payment_id))).first()
    return dict(row._mapping) if row else None


async def by_order(session: AsyncSession, order_id: str) -> Row | None:
    row = (await session.execute(select(payments).where(payments.c.order_id == order_id))).first()
    return dict(row._mapping) if row else None


async def create_pending(
    session: AsyncSession,
    order_id: str,
    amount: int,
    currency: str,
    card_last4: str | None,
    card_token: str | None,
    bank_key: str,
    first_check_in: float,
) -> Row:
    now = datetime.now(UTC)
    row: Row = {
        "id": str(uuid.uuid4()),
        "order_id": order_id,
        "status": "PENDING",
        "decline_code": None,
        "amount": amount,
        "currency": currency,
        "card_last4": card_last4,
        "card_token": card_token,
        "bank_key": bank_key,
        "bank_authorization_id": None,
        "checks": 0,
        "next_check_at": now + timedelta(seconds=first_check_in),
        "created_at": now,
        "updated_at": now,
    }
    await session.execute(insert(payments).values(**row))
    return row


async def transition(
    session: AsyncSession, payment_id: str, old: str, new: str, **values: Any
) -> bool:
    """Moves ``old`` -> ``new`` (with ``values``); False when the row was not in ``old``."""
    result = await session.execute(
        update(payments)
        .where(payments.c.id == payment_id, payments.c.status == old)
        .values(status=new, updated_at=datetime.now(UTC), **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def postpone(session: AsyncSession, payment_id: str, delay: float) -> None:
    await session.execute(
        update(payments)
        .where(payments.c.id == payment_id, payments.c.status == "PENDING")
        .values(
            checks=payments.c.checks + 1,
            next_check_at=datetime.now(UTC) + timedelta(seconds=delay),
        )
    )


async def due_pending(session: AsyncSession, now: datetime, limit: int) -> list[Row]:
    rows = await session.execute(
        select(payments)
        .where(payments.c.status == "PENDING", payments.c.next_check_at <= now)
        .order_by(payments.c.next_check_at)
        .limit(limit)
    )
    return [dict(r._mapping) for r in rows]


async def page(
    session: AsyncSession, order_id: str | None, status: str | None, limit: int, offset: int
) -> tuple[list[Row], int]:
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
    return [dict(r._mapping) for r in rows], int(total or 0)
