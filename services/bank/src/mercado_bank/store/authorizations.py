"""Authorization rows: one per idempotency key (a unique column keeps it so)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_bank.store.tables import authorizations, first_failures

Row = dict[str, Any]


async def by_id(session: AsyncSession, auth_id: str) -> Row | None:
    row = (
        await session.execute(select(authorizations).where(authorizations.c.id == auth_id))
    ).first()
    return dict(row._mapping) if row else None


async def by_key(session: AsyncSession, key: str) -> Row | None:
    row = (
        await session.execute(select(authorizations).where(authorizations.c.idempotency_key == key))
    ).first()
    return dict(row._mapping) if row else None


async def create(session: AsyncSession, **values: Any) -> Row:
    now = datetime.now(UTC)
    row: Row = {"id": str(uuid.uuid4()), "created_at": now, "updated_at": now, **values}
    await session.execute(insert(authorizations).values(**row))
    full = await by_id(session, row["id"])
    assert full is not None
    return full


async def set_status(session: AsyncSession, auth_id: str, old: str, new: str) -> bool:
    result = await session.execute(
        update(authorizations)
        .where(authorizations.c.id == auth_id, authorizations.c.status == old)
        .values(status=new, updated_at=datetime.now(UTC))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def page(
    session: AsyncSession, filters: dict[str, str | None], limit: int, offset: int
) -> tuple[list[Row], int]:
    conditions = [authorizations.c[name] == value for name, value in filters.items() if value]
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
    return [dict(r._mapping) for r in rows], int(total or 0)


async def first_failure_seen(session: AsyncSession, key: str) -> bool:
    found = await session.scalar(
        select(first_failures.c.idempotency_key).where(first_failures.c.idempotency_key == key)
    )
    return found is not None


async def record_first_failure(session: AsyncSession, key: str) -> None:
    await session.execute(
        insert(first_failures).values(idempotency_key=key, created_at=datetime.now(UTC))
    )
