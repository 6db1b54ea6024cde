"""Authorization rows: one per idempotency key (a unique column keeps it so)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Row, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_bank.domain.authorizations import Status
from mercado_bank.domain.cards import Rule
from mercado_bank.domain.record import AuthorizationRecord
from mercado_bank.store.tables import authorizations, first_failures


def _record(r: Row[tuple[object, ...]]) -> AuthorizationRecord:
    m = r._mapping
    return AuthorizationRecord(
        id=m["id"],
        idempotency_key=m["idempotency_key"],
        fingerprint=m["fingerprint"],
        reference=m["reference"],
        amount=m["amount"],
        currency=m["currency"],
        status=Status(m["status"]),
        decline_code=m["decline_code"],
        card_token=m["card_token"],
        card_last4=m["card_last4"],
        rule=Rule(m["rule"]) if m["rule"] else None,
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


async def by_id(session: AsyncSession, auth_id: str) -> AuthorizationRecord | None:
    row = (
        await session.execute(select(authorizations).where(authorizations.c.id == auth_id))
    ).first()
    return _record(row) if row else None


async def by_key(session: AsyncSession, key: str) -> AuthorizationRecord | None:
    row = (
        await session.execute(select(authorizations).where(authorizations.c.idempotency_key == key))
    ).first()
    return _record(row) if row else None


async def create(
    session: AsyncSession,
    *,
    key: str,
    status: Status,
    reference: str | None,
    fingerprint: str | None = None,
    amount: int | None = None,
    currency: str | None = None,
    decline_code: str | None = None,
    card_token: str | None = None,
    card_last4: str | None = None,
    rule: Rule | None = None,
) -> AuthorizationRecord:
    """Records the one authorization of ``key`` (a closed key has no amount or card)."""
    now = datetime.now(UTC)
    record = AuthorizationRecord(
        id=str(uuid.uuid4()),
        idempotency_key=key,
        fingerprint=fingerprint,
        reference=reference,
        amount=amount,
        currency=currency,
        status=status,
        decline_code=decline_code,
        card_token=card_token,
        card_last4=card_last4,
        rule=rule,
        created_at=now,
        updated_at=now,
    )
    await session.execute(insert(authorizations).values(**asdict(record)))
    stored = await by_id(session, record.id)
    assert stored is not None
    return stored


async def set_status(session: AsyncSession, auth_id: str, old: Status, new: Status) -> bool:
    """``old`` -> ``new`` (a move the domain allowed); False when it was not in ``old``."""
    result = await session.execute(
        update(authorizations)
        .where(authorizations.c.id == auth_id, authorizations.c.status == old.value)
        .values(status=new.value, updated_at=datetime.now(UTC))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def page(
    session: AsyncSession,
    reference: str | None,
    key: str | None,
    status: Status | None,
    limit: int,
    offset: int,
) -> tuple[list[AuthorizationRecord], int]:
    conditions: list[ColumnElement[bool]] = []
    if reference:
        conditions.append(authorizations.c.reference == reference)
    if key:
        conditions.append(authorizations.c.idempotency_key == key)
    if status is not None:
        conditions.append(authorizations.c.status == status.value)
    total = await session.scalar(
        select(func.count()).select_from(authorizations).where(*conditions)
    )
    rows = await session.execute(
        select(authorizations)
        .where(*conditions)
        .order_by(authorizations.c.created_at, authorizations.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [_record(r) for r in rows], int(total or 0)


async def first_failure_seen(session: AsyncSession, key: str) -> bool:
    found = await session.scalar(
        select(first_failures.c.idempotency_key).where(first_failures.c.idempotency_key == key)
    )
    return found is not None


async def record_first_failure(session: AsyncSession, key: str) -> None:
    await session.execute(
        insert(first_failures).values(idempotency_key=key, created_at=datetime.now(UTC))
    )
