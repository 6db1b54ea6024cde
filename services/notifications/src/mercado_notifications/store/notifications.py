"""Notification records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_notifications.store.tables import notifications

Row = dict[str, Any]


async def add(session: AsyncSession, values: Row) -> None:
    await session.execute(insert(notifications).values(**values))


async def get(session: AsyncSession, notification_id: str) -> Row | None:
    row = (
        await session.execute(select(notifications).where(notifications.c.id == notification_id))
    ).first()
    return dict(row._mapping) if row else None


async def page(
    session: AsyncSession, order_id: str | None, recipient: str | None, limit: int, offset: int
) -> tuple[list[Row], int]:
    conditions = []
    if order_id is not None:
        conditions.append(notifications.c.order_id == order_id)
    if recipient is not None:
        conditions.append(notifications.c.recipient == recipient)
    where = and_(*conditions) if conditions else notifications.c.id.is_not(None)
    total = await session.scalar(select(func.count()).select_from(notifications).where(where))
    rows = await session.execute(
        select(notifications)
        .where(where)
        .order_by(notifications.c.created_at.desc(), notifications.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [dict(r._mapping) for r in rows], int(total or 0)
