"""Writing events into the outbox inside the caller's database transaction."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_contracts.events import EventPayload
from mercado_toolkit.events.envelope import Envelope
from mercado_toolkit.tracing import create_span, inject_headers

# Set in ``session.info`` when the transaction wrote an event: only then is the relay woken.
WROTE_EVENTS = "mercado_wrote_events"


class Outbox:
    """Adds events to the ``outbox`` table in the same transaction as the state change."""

    def __init__(self, table: Table, source: str) -> None:
        self.table = table
        self.source = source

    async def add(self, session: AsyncSession, subject: str, payload: EventPayload) -> Envelope:
        """Adds ``payload`` (validated when it was built) as an event about ``subject``."""
        if self.source != payload.SOURCE:
            raise ValueError(f"{self.source} cannot publish {payload.SOURCE}'s {payload.TYPE}")
        event_type = payload.TYPE
        envelope = Envelope(
            type=event_type,
            source=self.source,
            subject=subject,
            version=payload.VERSION,
            data=payload.model_dump(mode="json"),
        )
        # The contract names the subject: ``mercado.<source>.<type>``, or a dead-letter subject.
        nats_subject = payload.subject()
        headers: dict[str, str] = {}
        with create_span(event_type, nats_subject):
            inject_headers(headers)
        await session.execute(
            insert(self.table).values(
                id=envelope.id,
                type=event_type,
                subject=nats_subject,
                envelope=envelope.model_dump(mode="json"),
                headers=headers,
                created_at=datetime.now(UTC),
            )
        )
        session.info[WROTE_EVENTS] = True
        return envelope
