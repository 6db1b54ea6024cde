"""Reading what was published to the JetStream stream."""

from __future__ import annotations

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
