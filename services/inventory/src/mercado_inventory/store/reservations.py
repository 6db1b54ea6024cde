"""Reservation records and their lines."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_inventory.domain.reservations import Line, Reservation, Status
from mercado_inventory.store.tables import reservation_lines, reservations


async def get(session: AsyncSession, order_id: str) -> Reservation | None:
    row = (
        await session.execute(select(reservations).where(reservations.c.order_id == order_id))
    ).first()
    if row is None:
        return None
    lines = await session.execute(
        select(reservation_lines.c.sku, reservation_lines.c.quantity)
        .where(reservation_lines.c.order_id == order_id)
        .order_by(reservation_lines.c.sku)
    )
    r = row._mapping
    return Reservation(
        r["order_id"], Status(r["status"]), r["expires_at"], [Line(sku, q) for sku, q in lines]
    )


async def create(
    session: AsyncSession, order_id: str, lines: list[Line], expires_at: datetime
) -> None:
    now = datetime.now(UTC)
    await session.execute(
        insert(reservations).values(
            order_id=order_id,
            status=Status.ACTIVE.value,
            expires_at=expires_at,
            created_at=now,
            updated_at=now,
        )
    )
    await session.execute(
        insert(reservation_lines),
        [{"order_id": order_id, "sku": ln.sku, "quantity": ln.quantity} for ln in lines],
    )


async def transition(session: AsyncSession, order_id: str, old: Status, new: Status) -> bool:
    """Moves a reservation from ``old`` to ``new``; False if it was not in ``old``."""
    result = await session.execute(
        update(reservations)
        .where(reservations.c.order_id == order_id, reservations.c.status == old.value)
        .values(status=new.value, updated_at=datetime.now(UTC))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def expired(session: AsyncSession, now: datetime, limit: int = 100) -> list[str]:
    rows = await session.execute(
        select(reservations.c.order_id)
        .where(reservations.c.status == Status.ACTIVE.value, reservations.c.expires_at < now)
        .order_by(reservations.c.expires_at)
        .limit(limit)
    )
    return [r for (r,) in rows]
