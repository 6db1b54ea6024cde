"""Reading what was published to the JetStream stream."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats


async def stream_events(
    nats_url: str, subject: str = "mercado.>", stream: str = "MERCADO"
) -> list[dict[str, Any]]:
    """Every message stored in ``stream`` on ``subject`` (envelope dicts, with headers)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        events = []
        if info.state.messages == 0:
            return []
        for seq in range(max(info.state.first_seq, 1), info.state.last_seq + 1):
            try:
                msg = await js.get_msg(stream, seq)
            except nats.js.errors.NotFoundError:
                continue
            if subject != "mercado.>" and msg.subject != subject:
                continue
            body = json.loads(msg.data)
            body["_subject"] = msg.subject
            body["_headers"] = dict(msg.headers or {})
            events.append(body)
        return events
    finally:
        await nc.close()


async def consumer_backlog(
    nats_url: str, durable: str, stream: str = "MERCADO"
) -> tuple[int, int] | None:
    """(events not yet delivered, events delivered and not acknowledged) for a durable
    consumer; None while the consumer does not exist yet."""
    nc = await nats.connect(nats_url)
    try:
        try:
            info = await nc.jetstream().consumer_info(stream, durable)
        except nats.js.errors.NotFoundError:
            return None
        return info.num_pending or 0, info.num_ack_pending or 0
    finally:
        await nc.close()


async def wait_acknowledged(
    nats_url: str, durable: str, ack_wait: float, timeout: float = 120
) -> None:
    """Waits until ``durable`` has every event delivered and acknowledged, and stays so for
    longer than its ack wait: a delivery that was not acknowledged would have come back
    (redelivered) within that window, so counting afterwards sees any duplicate."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    quiet_since: float | None = None
    while True:
        backlog = await consumer_backlog(nats_url, durable)
        now = loop.time()
        if backlog == (0, 0):
            quiet_since = quiet_since if quiet_since is not None else now
            if now - quiet_since > ack_wait * 1.5:
                return
        else:
            quiet_since = None
        if now > deadline:
            raise TimeoutError(f"{durable} still has {backlog} (pending, unacknowledged)")
        await asyncio.sleep(0.2)
