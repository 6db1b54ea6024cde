"""The toolkit's event plumbing on a real NATS and a real database, with a handler of the
test's own: what a consumer does with an event it cannot process, and what the outbox
relay's backlog gauges show while NATS is away.

- A handler that keeps failing is tried ``max_deliver`` times, then the event goes whole to
  ``mercado.deadletter.<consumer>``: the same bytes, its headers (trace context) kept, the
  reason and the original subject added, and without the original's ``Nats-Msg-Id`` (the
  stream would drop the letter as a duplicate of the event otherwise).
- Bytes that are no event, or an event the subscription does not take, are dead-lettered at
  once as ``malformed``; the handler never sees them.
- A handler that fails once is retried and the event is processed once.
- An event published twice is handled once per consumer.
- While NATS is down, ``mercado_outbox_pending_events`` counts the unpublished events and
  ``mercado_outbox_lag_seconds`` grows; both are 0 once they are published.
- The relay publishes a backlog oldest first, a batch per round, and one wake-up publishes
  all of it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import nats as nats_client
import pytest
from opentelemetry import context
from prometheus_client import REGISTRY
from sqlalchemy import MetaData, func, select
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from mercado_contracts.events import LowStock, StockChanged
from mercado_toolkit.events.bus import Bus
from mercado_toolkit.events.consumer import Consumer, Subscription
from mercado_toolkit.events.envelope import Envelope
from mercado_toolkit.events.outbox import Outbox
from mercado_toolkit.events.relay import BATCH, OutboxRelay
from mercado_toolkit.events.tables import outbox_table, processed_events_table
from mercado_toolkit.tracing import configure_tracing, extract_context
from tests.support.logs import logged
from tests.support.processes import NatsServer
from tests.support.shop import until

pytestmark = pytest.mark.asyncio(loop_scope="session")

STREAM = "MERCADO"
SUBJECT = "mercado.inventory.stock_changed"
CONSUMER_LOG = "mercado.consumer"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


@dataclass
class Plumbing:
    service: str  # a label of its own, so that this test's metrics are its own
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    metadata: MetaData
    bus: Bus
    calls: list[str] = field(default_factory=list)
    called_at: list[float] = field(default_factory=list)  # the event loop's clock

    def metric(self, name: str, **labels: str) -> float:
        value = REGISTRY.get_sample_value(name, {"service_name": self.service, **labels})
        return 0.0 if value is None else value

    def consumed(self, outcome: str, event_type: str = "stock_changed") -> float:
        return self.metric("mercado_events_consumed_total", event_type=event_type, outcome=outcome)


@pytest.fixture
async def plumbing(nats: NatsServer, tmp_path: Path) -> AsyncIterator[Plumbing]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'events.db'}")
    metadata = MetaData()
    outbox_table(metadata)
    processed_events_table(metadata)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    bus = Bus(nats.url, STREAM, "toolkit-test")
    bus.start()
    await asyncio.wait_for(bus.ready.wait(), 30)
    yield Plumbing(
        f"toolkit-{uuid.uuid4().hex[:8]}", engine, async_sessionmaker(engine), metadata, bus
    )
    await bus.close()
    await engine.dispose()


@asynccontextmanager
async def consuming(
    p: Plumbing,
    handler: Callable[[StockChanged], None],
    max_deliver: int = 3,
    durable: str = "toolkit-stock",
) -> AsyncIterator[Consumer]:
    async def handle(_: AsyncSession, __: Envelope, stock: StockChanged) -> None:
        p.calls.append(stock.sku)
        p.called_at.append(asyncio.get_running_loop().time())
        handler(stock)

    subscription = Subscription(durable=durable, events=[StockChanged], handler=handle)
    consumer = Consumer(
        p.bus,
        p.sessions,
        p.metadata.tables["processed_events"],
        subscription,
        p.service,
        max_deliver=max_deliver,
        ack_wait=5,
    )
    consumer.start()
    try:
        yield consumer
    finally:
        await consumer.close()


async def _publish(nats_url: str, data: bytes, event_id: str, subject: str = SUBJECT) -> None:
    nc = await nats_client.connect(nats_url)
    try:
        headers = {"Nats-Msg-Id": event_id, "traceparent": TRACEPARENT}
        await nc.jetstream().publish(subject, data, headers=headers)
    finally:
        await nc.close()


def _event(sku: str, **changes: object) -> tuple[str, bytes]:
    envelope = Envelope(
        type="stock_changed",
        source="inventory",
        subject=sku,
        data={"sku": sku, "available": 1, "reserved": 0, "sold": 0, "version": 1},
    ).model_dump(mode="json")
    envelope |= changes
    return str(envelope["id"]), json.dumps(envelope).encode()


async def _stored(nats_url: str, subject: str) -> list[tuple[bytes, dict[str, str]]]:
    """The raw messages the stream holds on ``subject`` (bytes and headers), oldest first."""
    nc = await nats_client.connect(nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(STREAM)
        found = []
        for seq in range(max(info.state.first_seq, 1), info.state.last_seq + 1):
            msg = await js.get_msg(STREAM, seq)
            if msg.subject == subject:
                found.append((msg.data or b"", dict(msg.headers or {})))
        return found
    finally:
        await nc.close()


async def _letters(nats_url: str) -> list[tuple[bytes, dict[str, str]]]:
    return await _stored(nats_url, "mercado.deadletter.toolkit-stock")


async def _processed(p: Plumbing) -> int:
    table = p.metadata.tables["processed_events"]
    async with p.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_a_handler_that_keeps_failing_is_tried_max_deliver_times_then_dead_lettered(
    plumbing: Plumbing, nats: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    reason = "warehouse offline: " + "x" * 300

    def refuse(_: StockChanged) -> None:
        raise RuntimeError(reason)

    event_id, data = _event("BROKEN-1")
    with caplog.at_level(logging.WARNING, CONSUMER_LOG):
        async with consuming(plumbing, refuse, max_deliver=3):
            await _publish(nats.url, data, event_id)

            async def one_letter() -> list[tuple[bytes, dict[str, str]]] | None:
                return await _letters(nats.url) or None

            [(letter, headers)] = await until(one_letter, 60, "the dead letter")
            await asyncio.sleep(1.5)  # a fourth try would come within its back-off
    assert plumbing.calls == ["BROKEN-1"] * 3
    assert logged(caplog, CONSUMER_LOG) == [
        f"event {event_id} failed (attempt 1): {reason}",
        f"event {event_id} failed (attempt 2): {reason}",
        f"event {event_id} failed 3 times ({reason}); dead-lettering",
    ]
    assert letter == data
    assert headers == {
        "traceparent": TRACEPARENT,
        "Mercado-Dead-Letter-Reason": reason[:200],
        "Mercado-Original-Subject": SUBJECT,
    }
    assert await _processed(plumbing) == 0
    assert plumbing.consumed("failed") == 2
    assert plumbing.consumed("dead_lettered") == 1
    assert plumbing.consumed("processed") == 0
    assert plumbing.metric("mercado_events_redelivered_total", event_type="stock_changed") == 2


async def test_what_is_no_event_for_this_consumer_is_dead_lettered_at_once(
    plumbing: Plumbing, nats: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    not_json = b"stock: many"
    low_stock_id, low_stock = _event("OTHER-1", type=LowStock.TYPE)  # on the stock subject
    no_sku_id, no_sku = _event("OTHER-2", data={"available": 1})
    with caplog.at_level(logging.ERROR, CONSUMER_LOG):
        async with consuming(plumbing, lambda _: None):
            # Exported at zero from the start (a dashboard shows 0, not "no data").
            zero = {"service_name": plumbing.service, "event_type": "stock_changed"}
            for outcome in ("processed", "duplicate", "failed", "dead_lettered"):
                sample = REGISTRY.get_sample_value(
                    "mercado_events_consumed_total", {**zero, "outcome": outcome}
                )
                assert sample == 0.0, outcome
            assert REGISTRY.get_sample_value("mercado_events_redelivered_total", zero) == 0.0
            unknown = {**zero, "event_type": "unknown", "outcome": "dead_lettered"}
            assert REGISTRY.get_sample_value("mercado_events_consumed_total", unknown) == 0.0
            await _publish(nats.url, not_json, str(uuid.uuid4()))
            await _publish(nats.url, low_stock, low_stock_id)
            await _publish(nats.url, no_sku, no_sku_id)

            async def three_letters() -> list[tuple[bytes, dict[str, str]]] | None:
                found = await _letters(nats.url)
                return found if len(found) == 3 else None

            letters = await until(three_letters, 60, "three dead letters")
    lines = logged(caplog, CONSUMER_LOG)
    assert len(lines) == 3
    assert lines[1] == (
        f"malformed event on {SUBJECT} (toolkit-stock takes no inventory low_stock); dead-lettering"
    )
    assert [data for data, _ in letters] == [not_json, low_stock, no_sku]
    for _, headers in letters:
        assert headers["Mercado-Dead-Letter-Reason"] == "malformed"
        assert headers["Mercado-Original-Subject"] == SUBJECT
        assert "Nats-Msg-Id" not in headers
    assert plumbing.calls == []
    assert plumbing.consumed("dead_lettered", event_type="unknown") == 3
    assert await _processed(plumbing) == 0


async def test_a_handler_that_fails_once_is_retried_and_the_event_processed_once(
    plumbing: Plumbing, nats: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    def fail_first(_: StockChanged) -> None:
        if len(plumbing.calls) == 1:
            raise RuntimeError("database busy")

    event_id, data = _event("ONCE-1")
    with caplog.at_level(logging.WARNING, CONSUMER_LOG):
        async with consuming(plumbing, fail_first):
            await _publish(nats.url, data, event_id)

            async def processed() -> bool | None:
                return await _processed(plumbing) == 1 or None

            await until(processed, 60, "the event processed")
            await asyncio.sleep(1.5)
    assert plumbing.calls == ["ONCE-1", "ONCE-1"]
    # Retried after a pause (0.5 s doubled per delivery), not at once: a busy database gets
    # a moment. Only the lower bound is checked; a loaded machine may be slower still.
    assert plumbing.called_at[1] - plumbing.called_at[0] >= 0.9
    assert logged(caplog, CONSUMER_LOG) == [f"event {event_id} failed (attempt 1): database busy"]
    assert plumbing.consumed("failed") == 1
    assert plumbing.consumed("processed") == 1
    assert plumbing.metric("mercado_events_redelivered_total", event_type="stock_changed") == 1
    assert await _letters(nats.url) == []


async def test_an_event_published_again_is_handled_once_per_consumer(
    plumbing: Plumbing, nats: NatsServer
) -> None:
    """The same event reaches the stream twice (a relay that published it, crashed before
    marking it sent, and published it again after the stream's duplicate window): each
    consumer handles it once and counts the second copy as a duplicate; another consumer
    sharing the database still handles it once itself."""
    event_id, data = _event("TWICE-1")
    async with consuming(plumbing, lambda _: None):
        await _publish(nats.url, data, event_id)
        await _publish(nats.url, data, f"{event_id}-again")  # not dropped by the stream

        async def both_seen() -> bool | None:
            seen = plumbing.consumed("processed") + plumbing.consumed("duplicate")
            return seen == 2 or None

        await until(both_seen, 60, "both copies consumed")
    assert plumbing.calls == ["TWICE-1"]
    assert (plumbing.consumed("processed"), plumbing.consumed("duplicate")) == (1, 1)
    async with consuming(plumbing, lambda _: None, durable="toolkit-stock-audit"):

        async def audited() -> bool | None:
            return await _processed(plumbing) == 2 or None

        await until(audited, 60, "the second consumer to handle it")
    assert plumbing.calls == ["TWICE-1", "TWICE-1"]


async def test_the_outbox_backlog_shows_while_nats_is_down_and_clears_once_published(
    plumbing: Plumbing, nats: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    p = plumbing
    outbox = Outbox(p.metadata.tables["outbox"], "inventory")
    relay = OutboxRelay(p.bus, p.sessions, p.metadata.tables["outbox"], p.service, interval=0.2)
    relay.start()

    def pending() -> float:
        return p.metric("mercado_outbox_pending_events")

    def lag() -> float:
        return p.metric("mercado_outbox_lag_seconds")

    async def add(count: int) -> None:
        async with p.sessions() as session, session.begin():
            for i in range(count):
                stock = StockChanged(sku=f"OUT-{i}", available=i, reserved=0, sold=0, version=1)
                await outbox.add(session, stock.sku, stock)
        relay.notify()

    try:
        for count in (1, BATCH + 1):  # one batch holds them all; more than one batch
            nats.stop()
            with caplog.at_level(logging.WARNING, "mercado.outbox"):
                await add(count)
                await until(lambda n=count: pending() == n or None, 60, f"{count} events pending")
                await until(lambda: lag() >= 1.0 or None, 60, "the lag to grow")
            nats.start()  # same port, same store
            await until(lambda: pending() == 0 or None, 90, "the backlog published")
            assert lag() == 0.0
            # Each failed round says why (the error, not a placeholder).
            said = logged(caplog, "mercado.outbox")
            prefix = "outbox relay could not publish yet: "
            assert said and all(line.startswith(prefix) for line in said), said
            reasons = [line[len(prefix) :] for line in said]
            assert all(r not in ("", "None") and "%s" not in r for r in reasons), said
            caplog.clear()
        published = await _published_skus(nats.url)
        assert sorted(published) == sorted(
            [f"OUT-{i}" for i in range(1)] + [f"OUT-{i}" for i in range(BATCH + 1)]
        )
    finally:
        await relay.close()


async def _write(p: Plumbing, outbox: Outbox, count: int) -> list[str]:
    """``count`` events in one transaction; their ids, in the order written."""
    async with p.sessions() as session, session.begin():
        ids = []
        for i in range(count):
            stock = StockChanged(sku=f"SEQ-{i}", available=i, reserved=0, sold=0, version=1)
            ids.append((await outbox.add(session, stock.sku, stock)).id)
    return ids


async def test_the_relay_publishes_a_backlog_in_order_a_batch_at_a_time(
    plumbing: Plumbing, nats: NatsServer
) -> None:
    """Each round publishes at most one batch, oldest first, each event once with its id
    as ``Nats-Msg-Id``; the gauges count what is left after every round."""
    p = plumbing
    table = p.metadata.tables["outbox"]
    relay = OutboxRelay(p.bus, p.sessions, table, p.service, interval=3600)
    ids = await _write(p, Outbox(table, "inventory"), 2 * BATCH + 5)
    left = []
    for expected in (BATCH, BATCH, 5, 0):
        assert await relay.publish_pending() == expected
        left.append(p.metric("mercado_outbox_pending_events"))
    assert left == [BATCH + 5, 5, 0, 0]
    published = p.metric("mercado_events_published_total", event_type="stock_changed")
    assert published == 2 * BATCH + 5
    assert p.metric("mercado_outbox_lag_seconds") == 0.0
    stored = await _stored(nats.url, SUBJECT)
    assert [json.loads(data)["id"] for data, _ in stored] == ids
    assert all(headers["Nats-Msg-Id"] == json.loads(data)["id"] for data, headers in stored)
    async with p.engine.connect() as conn:
        unsent = select(func.count()).select_from(table).where(table.c.published_at.is_(None))
        assert (await conn.execute(unsent)).scalar_one() == 0


async def test_one_wake_up_publishes_a_whole_backlog_without_waiting_for_the_interval(
    plumbing: Plumbing, nats: NatsServer
) -> None:
    """After a full batch the relay goes on at once: a backlog larger than a batch is not
    published one batch per interval (an hour here)."""
    p = plumbing
    table = p.metadata.tables["outbox"]
    relay = OutboxRelay(p.bus, p.sessions, table, p.service, interval=3600)
    relay.start()
    try:
        # A task dump (asyncio debug, py-spy) says which task is the relay.
        assert "outbox-relay" in {task.get_name() for task in asyncio.all_tasks()}
        await asyncio.sleep(0.5)  # its first round found nothing; it now waits for a wake-up
        await _write(p, Outbox(table, "inventory"), 2 * BATCH + 5)
        relay.notify()

        async def all_published() -> bool | None:
            return len(await _stored(nats.url, SUBJECT)) == 2 * BATCH + 5 or None

        await until(all_published, 60, "the whole backlog published")
    finally:
        await relay.close()
    # Closed, it publishes nothing more (a later commit's events wait for the next start).
    await _write(p, Outbox(table, "inventory"), 1)
    relay.notify()
    await asyncio.sleep(1.0)
    assert len(await _stored(nats.url, SUBJECT)) == 2 * BATCH + 5


class StockChangedV2(StockChanged):
    """A next version of the payload, as a contract change would add."""

    VERSION: ClassVar[int] = 2


async def test_an_event_carries_its_payload_version_and_the_trace_that_wrote_it(
    plumbing: Plumbing, nats: NatsServer
) -> None:
    """The envelope names the version of the payload (a consumer reads ``data`` by it), and
    the message carries the trace of the request that wrote the event: a trace goes on from
    an HTTP request across NATS to every consumer."""
    p = plumbing
    table = p.metadata.tables["outbox"]
    configure_tracing("toolkit-test")  # as every service does at start
    request = context.attach(extract_context({"traceparent": TRACEPARENT}))
    try:
        async with p.sessions() as session, session.begin():
            stock = StockChangedV2(sku="TRACED-1", available=1, reserved=0, sold=0, version=1)
            await Outbox(table, "inventory").add(session, stock.sku, stock)
    finally:
        context.detach(request)
    relay = OutboxRelay(p.bus, p.sessions, table, p.service, interval=3600)
    assert await relay.publish_pending() == 1
    [(data, headers)] = await _stored(nats.url, SUBJECT)
    envelope = json.loads(data)
    assert envelope["version"] == 2
    assert envelope["data"]["sku"] == "TRACED-1"
    trace_id = TRACEPARENT.split("-")[1]
    assert headers["traceparent"].split("-")[1] == trace_id, headers
    assert headers["Nats-Msg-Id"] == envelope["id"]


async def test_a_service_cannot_put_another_services_event_in_its_outbox(
    plumbing: Plumbing,
) -> None:
    p = plumbing
    table = p.metadata.tables["outbox"]
    stock = StockChanged(sku="NOT-MINE", available=1, reserved=0, sold=0, version=1)
    with pytest.raises(ValueError, match=r"^orders cannot publish inventory's stock_changed$"):
        async with p.sessions() as session, session.begin():
            await Outbox(table, "orders").add(session, stock.sku, stock)
    async with p.engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(table))).scalar_one() == 0


async def _published_skus(nats_url: str) -> list[str]:
    return [json.loads(data)["data"]["sku"] for data, _ in await _stored(nats_url, SUBJECT)]


async def test_a_service_is_not_ready_until_its_stream_exists(tmp_path: Path) -> None:
    """Connected to a NATS without JetStream, the bus cannot set up the stream: its readiness
    check fails (a service must not answer ready and be sent events no stream would keep)."""
    plain = NatsServer(tmp_path / "plain", jetstream=False)
    plain.start()
    bus = Bus(plain.url, STREAM, "toolkit-test")
    try:
        bus.start()
        await until(lambda: (bus.nc is not None and bus.nc.is_connected) or None, 30, "connected")
        with pytest.raises(ConnectionError, match=f"NATS stream {STREAM} not set up yet"):
            await bus.ping()
        assert not bus.ready.is_set()
    finally:
        await bus.close()
        plain.stop()
