"""Order rows: inserts, reads, optimistic state changes (version check) and leases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_orders.domain.orders import PricedLine, Status
from mercado_orders.store.tables import order_lines, orders

Row = dict[str, Any]

FINAL = (Status.CONFIRMED.value, Status.CANCELLED.value)


async def insert_order(session: AsyncSession, values: Row, lines: Sequence[PricedLine]) -> None:
    await session.execute(insert(orders).values(**values))
    await session.execute(
        insert(order_lines),
        [
            {
                "order_id": values["id"],
                "position": i,
                "product_id": ln.product_id,
                "sku": ln.sku,
                "name": ln.name,
                "quantity": ln.quantity,
                "unit_amount": ln.unit_amount,
                "currency": ln.currency,
            }
            for i, ln in enumerate(lines)
        ],
    )


async def get(session: AsyncSession, order_id: str) -> Row | None:
    row = (await session.execute(select(orders).where(orders.c.id == order_id))).first()
    return dict(row._mapping) if row else None


async def by_key(session: AsyncSession, key: str) -> Row | None:
    row = (await session.execute(select(orders).where(orders.c.idempotency_key == key))).first()
    return dict(row._mapping) if row else None


async def lines_of(session: AsyncSession, order_ids: Sequence[str]) -> dict[str, list[PricedLine]]:
    found: dict[str, list[PricedLine]] = {oid: [] for oid in order_ids}
    if not order_ids:
        return found
    rows = await session.execute(
        select(order_lines)
        .where(order_lines.c.order_id.in_(order_ids))
        .order_by(order_lines.c.order_id, order_lines.c.position)
    )
    for r in rows:
        found[r.order_id].append(
            PricedLine(r.product_id, r.sku, r.name, r.quantity, r.unit_amount, r.currency)
        )
    return found


async def page(
    session: AsyncSession, customer: str | None, status: str | None, limit: int, offset: int
) -> tuple[list[Row], int]:
    conditions = []
    if customer is not None:
        conditions.append(orders.c.customer_email == customer)
    if status is not None:
        conditions.append(orders.c.status == status)
    where = and_(*conditions) if conditions else orders.c.id.is_not(None)
    total = await session.scalar(select(func.count()).select_from(orders).where(where))
    rows = await session.execute(
        select(orders)
        .where(where)
        .order_by(orders.c.created_at.desc(), orders.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [dict(r._mapping) for r in rows], int(total or 0)


async def change(session: AsyncSession, row: Row, now: datetime, **values: Any) -> bool:
    """Applies ``values`` if nobody changed the order since ``row`` was read."""
    result = await session.execute(
        update(orders)
        .where(orders.c.id == row["id"], orders.c.version == row["version"])
        .values(version=orders.c.version + 1, updated_at=now, **values)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def claim(
    session: AsyncSession, order_id: str, owner: str, now: datetime, until: datetime
) -> bool:
    """Takes the order's lease unless another live owner holds it."""
    result = await session.execute(
        update(orders)
        .where(
            orders.c.id == order_id,
            or_(
                orders.c.lease_until.is_(None),
                orders.c.lease_until < now,
                orders.c.lease_owner == owner,
            ),
        )
        .values(lease_owner=owner, lease_until=until)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def unlease(
    session: AsyncSession, order_id: str, owner: str, next_attempt: datetime, attempts: int | None
) -> None:
    values: Row = {"lease_owner": None, "lease_until": None, "next_attempt_at": next_attempt}
    if attempts is not None:
        values["attempts"] = attempts
    await session.execute(
        update(orders)
        .where(orders.c.id == order_id, orders.c.lease_owner == owner)
        .values(**values)
    )


async def due(session: AsyncSession, now: datetime, limit: int) -> list[str]:
    """Unfinished orders whose next attempt is due and whose lease is free."""
    unfinished = or_(
        orders.c.status.not_in(FINAL),
        and_(orders.c.status == Status.CONFIRMED.value, orders.c.cancel_requested.is_not(None)),
    )
    rows = await session.execute(
        select(orders.c.id)
        .where(
            unfinished,
            orders.c.next_attempt_at <= now,
            or_(orders.c.lease_until.is_(None), orders.c.lease_until < now),
        )
        .order_by(orders.c.next_attempt_at)
        .limit(limit)
    )
    return [r for (r,) in rows]
