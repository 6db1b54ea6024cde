"""Reading what was published to the JetStream stream, and announcing products the way the
catalog does."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import nats

from mercado_contracts.events import ProductCreated
from mercado_contracts.money import Money
from mercado_toolkit.events.envelope import Envelope


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


async def announce_products(nats_url: str, *skus: str) -> None:
    """Publishes ``product.created`` for each SKU, as the catalog does for a new product."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for sku in skus:
            product = ProductCreated(
                id=str(uuid.uuid4()),
                sku=sku,
                name=f"Thing {sku}",
                category="things",
                price=Money(amount=100, currency="EUR"),
            )
            envelope = Envelope(
                type=product.TYPE,
                source=product.SOURCE,
                subject=product.id,
                data=product.model_dump(mode="json"),
            )
            await js.publish(product.subject(), envelope.model_dump_json().encode())
    finally:
        await nc.close()


async def wait_stocked(
    http: httpx.AsyncClient, inventory_url: str, *skus: str, timeout: float = 60
) -> None:
    """Waits until inventory has a stock row for each SKU (it consumed ``product.created``);
    ``inventory_url`` is empty for a client whose base URL is inventory."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    for sku in skus:
        while (await http.get(f"{inventory_url}/stock/{sku}")).status_code != 200:
            assert loop.time() < deadline, f"inventory never learnt of {sku}"
            await asyncio.sleep(0.05)


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
