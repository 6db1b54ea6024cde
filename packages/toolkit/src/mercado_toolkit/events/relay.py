"""The outbox relay: publishes committed events to JetStream, each exactly once.

Each message carries ``Nats-Msg-Id`` = event id, so a relay that publishes and dies before
marking the row is deduplicated by the stream's duplicate window when it publishes again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mercado_toolkit.events.bus import Bus
from mercado_toolkit.metrics import EVENTS_PUBLISHED, OUTBOX_LAG, OUTBOX_PENDING
from mercado_toolkit.tasks import stop_task

log = logging.getLogger("mercado.outbox")

BATCH = 100


class OutboxRelay:
    def __init__(
        self,
        bus: Bus,
        sessions: async_sessionmaker[AsyncSession],
        table: Table,
        service: str,
        interval: float,
        reader: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self.bus = bus
        self.sessions = sessions
        self.reader = reader or sessions
        self.table = table
        self.service = service
        self.interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    def notify(self) -> None:
        """Ask for a publish round now (called after a commit that wrote events)."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                await self.bus.ready.wait()
                published = await self.publish_pending()
                if published == BATCH:
                    continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox relay could not publish yet: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            self._wake.clear()

    async def publish_pending(self) -> int:
        t = self.table
        async with self.reader() as session:
            rows = (
                await session.execute(
                    select(
                        t.c.seq,
                        t.c.id,
                        t.c.type,
                        t.c.subject,
                        t.c.envelope,
                        t.c.headers,
                        t.c.created_at,
                    )
                    .where(t.c.published_at.is_(None))
                    .order_by(t.c.seq)
                    .limit(BATCH)
                )
            ).all()
        js = self.bus.js
        assert js is not None
        done: list[int] = []
        try:
            for row in rows:
                headers = {**(row.headers or {}), "Nats-Msg-Id": row.id}
                # Waits for the stream's acknowledgement as long as the bus's JetStream
                # context allows (its timeout); a publish that times out is retried next round.
                await js.publish(row.subject, json.dumps(row.envelope).encode(), headers=headers)
                EVENTS_PUBLISHED.labels(self.service, row.type).inc()
                done.append(row.seq)
        finally:
            if done:
                async with self.sessions() as session, session.begin():
                    await session.execute(
                        update(t).where(t.c.seq.in_(done)).values(published_at=datetime.now(UTC))
                    )
            if len(rows) < BATCH:
                # The rows read were every pending one: the gauges need no query of their own.
                left = rows[len(done) :]
                self._set_gauges(len(left), left[0].created_at if left else None)
            else:
                await self._update_gauges()
        return len(done)

    async def _update_gauges(self) -> None:
        t = self.table
        async with self.reader() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(t.c.created_at)).where(t.c.published_at.is_(None))
                )
            ).one()
        self._set_gauges(count, oldest)

    def _set_gauges(self, count: int, oldest: datetime | None) -> None:
        OUTBOX_PENDING.labels(self.service).set(count)
        # ``created_at`` is a ``UTCDateTime``: read back timezone-aware on every database.
        lag = 0.0 if oldest is None else (datetime.now(UTC) - oldest).total_seconds()
        OUTBOX_LAG.labels(self.service).set(lag)

    async def close(self) -> None:
        await stop_task(self._task)
