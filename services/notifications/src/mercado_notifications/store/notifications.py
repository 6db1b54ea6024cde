"""Notification records."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import RowMapping, and_, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_notifications.domain.records import NotificationRecord
from mercado_notifications.store.tables import notifications


def _record(row: RowMapping) -> NotificationRecord:
    return NotificationRecord(**row)


async def add(session: AsyncSession, record: NotificationRecord) -> None:
    await session.execute(insert(notifications).values(**asdict(record)))


async def get(session: AsyncSession, notification_id: str) -> NotificationRecord | None:
    row = (
        await session.execute(select(notifications).where(notifications.c.id == notification_id))
    ).first()
    return _record(row._mapping) if row else None


async def page(
    session: AsyncSession, order_id: str | None, recipient: str | None, limit: int, offset: int
) -> tuple[list[NotificationRecord], int]:
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
    return [_record(r._mapping) for r in rows], int(total or 0)
