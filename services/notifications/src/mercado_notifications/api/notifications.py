"""Routes of ``/notifications``: every message sent, by order or by customer (admin only:
they hold customers' mail bodies)."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from mercado_notifications.domain.records import NotificationRecord
from mercado_notifications.store import notifications as store
from mercado_toolkit.auth import require_admin
from mercado_toolkit.deps import Rt
from mercado_toolkit.errors import AppError, errors
from mercado_toolkit.pagination import Page, PageParams, page_params

router = APIRouter(
    prefix="/notifications",
    tags=["notifications"],
    dependencies=[Depends(require_admin)],
    responses=errors(401, 403, 422),
)


class Notification(BaseModel):
    id: str
    event_id: str
    event_type: str
    kind: str
    channel: str
    order_id: str | None
    recipient: str
    subject: str
    body: str
    message_id: str
    status: str
    error: str | None
    created_at: datetime

    @classmethod
    def of(cls, record: NotificationRecord) -> Notification:
        return cls.model_validate(asdict(record))


@router.get("", response_model=Page[Notification])
async def list_notifications(
    rt: Rt,
    page: Annotated[PageParams, Depends(page_params)],
    order_id: Annotated[uuid.UUID | None, Query()] = None,
    customer: Annotated[str | None, Query(min_length=3, max_length=254)] = None,
) -> Page[Notification]:
    recipient = customer.strip().lower() if customer else None
    async with rt.reader() as session:
        rows, total = await store.page(
            session, str(order_id) if order_id else None, recipient, page.limit, page.offset
        )
    return Page[Notification](
        items=[Notification.of(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{notification_id}", response_model=Notification, responses=errors(404))
async def get_notification(rt: Rt, notification_id: uuid.UUID) -> Notification:
    async with rt.reader() as session:
        row = await store.get(session, str(notification_id))
    if row is None:
        raise AppError(404, "notification_not_found", f"no notification {notification_id}")
    return Notification.of(row)
