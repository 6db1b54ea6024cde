"""Writing events into the outbox inside the caller's database transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_toolkit.events.envelope import Envelope
from mercado_toolkit.tracing import inject_headers, publish_span


class Outbox:
    """Adds events to the ``outbox`` table in the same transaction as the state change."""

    def __init__(self, table: Table, source: str) -> None:
        self.table = table
        self.source = source

    async def add(
        self, session: AsyncSession, event_type: str, subject: str, data: dict[str, Any]
    ) -> Envelope:
        envelope = Envelope(type=event_type, source=self.source, subject=subject, data=data)
        headers: dict[str, str] = {}
        with publish_span(event_type, envelope.nats_subject):
            inject_headers(headers)
        await session.execute(
            insert(self.table).values(
                id=envelope.id,
                type=event_type,
                subject=envelope.nats_subject,
                envelope=envelope.model_dump(mode="json"),
                headers=headers,
                created_at=datetime.now(UTC),
            )
        )
        return envelope
