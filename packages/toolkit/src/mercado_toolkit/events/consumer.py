"""Durable JetStream consumers that process each event once.

A subscription names the event payload models (``mercado_contracts.events``) it takes; an
event whose data does not validate against its model is dead-lettered at once. A handler
gets the validated payload and runs in one database transaction together with the insert into
``processed_events``; a redelivered event finds its row and is only acknowledged. A handler
that keeps failing is retried with back-off up to ``max_deliver`` times, then the event goes
to the dead-letter subject ``mercado.deadletter.<consumer>`` and is acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from mercado_contracts.events import EventPayload
from mercado_toolkit.events.bus import Bus
from mercado_toolkit.events.envelope import Envelope, dead_letter_subject
from mercado_toolkit.metrics import EVENTS_CONSUMED, EVENTS_REDELIVERED
from mercado_toolkit.tasks import stop_task
from mercado_toolkit.tracing import EVENT_OUTCOME, process_span

log = logging.getLogger("mercado.consumer")

P = TypeVar("P", bound=EventPayload)


class UnexpectedEvent(ValueError):
    """An event of a type the subscription does not take."""


@dataclass(frozen=True)
class Subscription(Generic[P]):
    """A durable consumer of ``events``; ``handler`` gets each event's validated payload."""

    durable: str
    events: Sequence[type[P]]
    handler: Callable[[AsyncSession, Envelope, P], Awaitable[None]]

    @property
    def subjects(self) -> list[str]:
        return [model.subject() for model in self.events]

    def payload(self, envelope: Envelope) -> P:
        """The envelope's data as its model; raises ValueError when it does not fit."""
        for model in self.events:
            if (envelope.source, envelope.type) == (model.SOURCE, model.TYPE):
                return model.model_validate(envelope.data)
        raise UnexpectedEvent(f"{self.durable} takes no {envelope.source} {envelope.type}")


class Consumer:
    def __init__(
        self,
        bus: Bus,
        sessions: async_sessionmaker[AsyncSession],
        processed: Table,
        subscription: Subscription[Any],
        service: str,
        max_deliver: int,
        ack_wait: float,
    ) -> None:
        self.bus = bus
        self.sessions = sessions
        self.processed = processed
        self.sub = subscription
        self.service = service
        self.max_deliver = max_deliver
        self.ack_wait = ack_wait
        self._task: asyncio.Task[None] | None = None
        self._psub: Any = None

    def start(self) -> None:
        self._zero_counters()
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.sub.durable}")

    def _zero_counters(self) -> None:
        """Creates this consumer's series at 0, so the first failure or dead letter is an
        increase that rules and dashboards see (a series born at 1 shows none)."""
        types = [s.split(".", 2)[2] for s in self.sub.subjects if s.count(".") >= 2]
        for event_type in types:
            for outcome in ("processed", "duplicate", "failed", "dead_lettered"):
                EVENTS_CONSUMED.labels(self.service, event_type, outcome)
            EVENTS_REDELIVERED.labels(self.service, event_type)
        EVENTS_CONSUMED.labels(self.service, "unknown", "dead_lettered")

    async def _run(self) -> None:
        while True:
            try:
                await self.bus.ready.wait()
                await self._consume()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer %s interrupted: %s; resuming", self.sub.durable, exc)
                await asyncio.sleep(1.0)

    async def _consume(self) -> None:
        js = self.bus.js
        assert js is not None
        config = ConsumerConfig(
            durable_name=self.sub.durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=self.ack_wait,
            max_ack_pending=1000,
            filter_subjects=self.sub.subjects,
        )
        await js.add_consumer(self.bus.stream, config)
        psub = await js.pull_subscribe_bind(durable=self.sub.durable, stream=self.bus.stream)
        self._psub = psub
        while True:
            try:
                msgs = await psub.fetch(batch=20, timeout=1.0)
            except NatsTimeoutError:
                continue
            for msg in msgs:
                await self.handle(msg)

    async def handle(self, msg: Msg) -> None:
        try:
            envelope = Envelope.model_validate(json.loads(msg.data))
            payload = self.sub.payload(envelope)
        except ValueError as exc:
            log.error("malformed event on %s (%s); dead-lettering", msg.subject, exc)
            await self._dead_letter(msg, "malformed")
            EVENTS_CONSUMED.labels(self.service, "unknown", "dead_lettered").inc()
            return
        delivered = msg.metadata.num_delivered
        if delivered > 1:
            EVENTS_REDELIVERED.labels(self.service, envelope.type).inc()
        with process_span(
            envelope.type, msg.subject, self.sub.durable, delivered, msg.headers or {}
        ) as span:
            outcome = await self._handle(msg, envelope, payload, delivered)
            span.set_attribute(EVENT_OUTCOME, outcome)
        EVENTS_CONSUMED.labels(self.service, envelope.type, outcome).inc()

    async def _handle(
        self, msg: Msg, envelope: Envelope, payload: EventPayload, delivered: int
    ) -> str:
        try:
            outcome = await self._process(envelope, payload)
        except Exception as exc:
            if delivered >= self.max_deliver:
                log.error(
                    "event %s failed %d times (%s); dead-lettering", envelope.id, delivered, exc
                )
                await self._dead_letter(msg, str(exc))
                return "dead_lettered"
            log.warning("event %s failed (attempt %d): %s", envelope.id, delivered, exc)
            await msg.nak(delay=min(0.5 * 2**delivered, 30.0))
            return "failed"
        await msg.ack()
        return outcome

    async def _process(self, envelope: Envelope, payload: EventPayload) -> str:
        p = self.processed
        try:
            async with self.sessions() as session, session.begin():
                seen = await session.scalar(
                    select(p.c.event_id).where(
                        p.c.consumer == self.sub.durable, p.c.event_id == envelope.id
                    )
                )
                if seen is not None:
                    return "duplicate"
                await self.sub.handler(session, envelope, payload)
                await session.execute(
                    insert(p).values(
                        consumer=self.sub.durable,
                        event_id=envelope.id,
                        processed_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            return "duplicate"  # another replica processed it concurrently
        return "processed"

    async def _dead_letter(self, msg: Msg, reason: str) -> None:
        js = self.bus.js
        assert js is not None
        headers = dict(msg.headers or {})
        headers.pop("Nats-Msg-Id", None)
        headers["Mercado-Dead-Letter-Reason"] = reason[:200]
        headers["Mercado-Original-Subject"] = msg.subject
        await js.publish(dead_letter_subject(self.sub.durable), msg.data, headers=headers)
        await msg.ack()

    async def close(self) -> None:
        await stop_task(self._task)
        if self._psub is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._psub.unsubscribe(), timeout=2)
