"""Order rows: inserts, reads, optimistic state changes (version check) and leases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import Row, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_contracts.states import CancelReason, PaymentStatus
from mercado_orders.domain.orders import PricedLine, Status
from mercado_orders.domain.record import Lease, OrderRecord
from mercado_orders.store.tables import order_lines, orders

FINAL = (Status.CONFIRMED.value, Status.CANCELLED.value)


def _record(r: Row[tuple[object, ...]]) -> OrderRecord:
    m = r._mapping
    return OrderRecord(
        id=m["id"],
        idempotency_key=m["idempotency_key"],
        fingerprint=m["fingerprint"],
        status=Status(m["status"]),
        cancel_reason=_reason(m["cancel_reason"]),
        cancel_requested=_reason(m["cancel_requested"]),
        customer_email=m["customer_email"],
        total_amount=m["total_amount"],
        currency=m["currency"],
        card_last4=m["card_last4"],
        card_token=m["card_token"],
        payment_id=m["payment_id"],
        payment_status=PaymentStatus(m["payment_status"]) if m["payment_status"] else None,
        decline_code=m["decline_code"],
        payment_attempt_at=m["payment_attempt_at"],
        attempts=m["attempts"],
        next_attempt_at=m["next_attempt_at"],
        lease_owner=m["lease_owner"],
        lease_until=m["lease_until"],
        version=m["version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _reason(value: str | None) -> CancelReason | None:
    return CancelReason(value) if value else None


async def insert_order(
    session: AsyncSession, order: OrderRecord, lines: Sequence[PricedLine]
) -> None:
    await session.execute(insert(orders).values(**asdict(order)))
    await session.execute(
        insert(order_lines),
        [
            {
                "order_id": order.id,
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


async def get(session: AsyncSession, order_id: str) -> OrderRecord | None:
    row = (await session.execute(select(orders).where(orders.c.id == order_id))).first()
    return _record(row) if row else None


async def by_key(session: AsyncSession, key: str) -> OrderRecord | None:
    row = (await session.execute(select(orders).where(orders.c.idempotency_key == key))).first()
    return _record(row) if row else None


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
) -> tuple[list[OrderRecord], int]:
    conditions = []
    if customer is not None:
        conditions.append(orders.c.customer_email == customer)
    if status is not None:
        conditions.append(orders.c.status == status)
    total = await session.scalar(select(func.count()).select_from(orders).where(*conditions))
    rows = await session.execute(
        select(orders)
        .where(*conditions)
        .order_by(orders.c.created_at.desc(), orders.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [_record(r) for r in rows], int(total or 0)


async def change(
    session: AsyncSession,
    before: OrderRecord,
    after: OrderRecord,
    now: datetime,
    *,
    lease: Lease | None = None,
    next_attempt_at: datetime | None = None,
) -> OrderRecord | None:
    """Writes ``after`` (a change made from ``before``) if nobody changed the order since
    ``before`` was read; returns the order as stored, or None when someone had. The lease and
    the next attempt are written only when given: they change without a version bump."""
    stored = after.stored(before, now, lease, next_attempt_at)
    values: dict[str, object] = {
        "status": stored.status,
        "cancel_reason": stored.cancel_reason,
        "cancel_requested": stored.cancel_requested,
        "card_last4": stored.card_last4,
        "card_token": stored.card_token,
        "payment_id": stored.payment_id,
        "payment_status": stored.payment_status,
        "decline_code": stored.decline_code,
        "payment_attempt_at": stored.payment_attempt_at,
        "version": stored.version,
        "updated_at": stored.updated_at,
    }
    if lease is not None:
        values.update(
            lease_owner=stored.lease_owner, lease_until=stored.lease_until, attempts=stored.attempts
        )
    if next_attempt_at is not None:
        values["next_attempt_at"] = stored.next_attempt_at
    result = await session.execute(
        update(orders)
        .where(orders.c.id == before.id, orders.c.version == before.version)
        .values(values)
    )
    return stored if result.rowcount else None  # type: ignore[attr-defined]


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
    values: dict[str, object] = {
        "lease_owner": None,
        "lease_until": None,
        "next_attempt_at": next_attempt,
    }
    if attempts is not None:
        values["attempts"] = attempts
    await session.execute(
        update(orders).where(orders.c.id == order_id, orders.c.lease_owner == owner).values(values)
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
