"""notifications as a real process with real NATS and a real SMTP server: one e-mail per
event, even when the event is delivered twice or SMTP is down for a while; a mail refused
for good is recorded and dead-lettered at once."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import nats
import pytest
from aiosmtpd.controller import Controller
from prometheus_client.parser import text_string_to_metric_families

from mercado_contracts.events import NotificationFailed
from tests.support.apps import ADMIN
from tests.support.events import stream_events, wait_acknowledged
from tests.support.processes import NatsServer, ServiceProcess, free_port
from tests.support.shop import MailServer, until

pytestmark = pytest.mark.asyncio(loop_scope="session")

ACK_WAIT = 2.0  # a delivery not acknowledged comes back this soon


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServiceProcess, MailServer, NatsServer]]:
    root = tmp_path_factory.mktemp("notifications")
    server = NatsServer(root / "nats")
    server.start()
    smtp = MailServer(root / "mail", root)
    smtp.start()
    svc = ServiceProcess(
        "notifications",
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{root / 'n.db'}",
            "NATS_URL": server.url,
            "SMTP_PORT": str(smtp.port),
            "ADMIN_EMAIL": "ops@shop.test",
            "CONSUMER_ACK_WAIT_SECONDS": str(ACK_WAIT),
        },
        root,
    ).start()
    yield svc, smtp, server
    svc.stop()
    smtp.stop()
    server.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


def order_event(kind: str, email: str = "c@example.com") -> dict[str, Any]:
    order_id = str(uuid.uuid4())
    return {
        "id": str(uuid.uuid4()),
        "type": f"order.{kind}",
        "source": "orders",
        "time": datetime.now(UTC).isoformat(),
        "subject": order_id,
        "data": {
            "id": order_id,
            "order_id": order_id,
            "status": "CONFIRMED" if kind == "confirmed" else "CANCELLED",
            "cancel_reason": None if kind == "confirmed" else "out_of_stock",
            "customer": {"email": email},
            "lines": [
                {
                    "product_id": "p",
                    "sku": "MUG-1",
                    "name": "Mug",
                    "quantity": 1,
                    "unit_price": {"amount": 900, "currency": "EUR"},
                    "line_total": {"amount": 900, "currency": "EUR"},
                }
            ],
            "total": {"amount": 900, "currency": "EUR"},
            "payment": None,
            "created_at": "2026-01-02T03:04:05Z",
            "updated_at": "2026-01-02T03:04:06Z",
        },
    }


async def counter(http: httpx.AsyncClient, url: str, name: str, **labels: str) -> float:
    """One Prometheus counter's value for these labels (0 when the series is absent)."""
    text = (await http.get(f"{url}/metrics")).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


async def publish(url: str, event: dict[str, Any], subject: str) -> None:
    nc = await nats.connect(url)
    try:
        await nc.jetstream().publish(subject, json.dumps(event).encode())
    finally:
        await nc.close()


async def test_a_redelivered_event_sends_one_mail(
    stack: tuple[ServiceProcess, MailServer, NatsServer], http: httpx.AsyncClient
) -> None:
    svc, smtp, server = stack
    event = order_event("confirmed")
    order_id = event["data"]["id"]
    for _ in range(2):  # no Nats-Msg-Id: the stream keeps both copies
        await publish(server.url, event, "mercado.orders.order.confirmed")

    async def recorded() -> list[dict[str, Any]] | None:
        r = await http.get(f"{svc.url}/notifications", params={"order_id": order_id}, headers=ADMIN)
        return r.json()["items"] or None

    items = await until(recorded, 60, "notification")
    await until(lambda: smtp.mails_about(order_id) or None, 30, "mail")
    later = order_event("cancelled")  # processed after both copies: the copies are done
    await publish(server.url, later, "mercado.orders.order.cancelled")
    await until(lambda: smtp.mails_about(later["data"]["id"]) or None, 60, "later mail")
    # Everything acknowledged and nothing came back within the ack wait.
    await wait_acknowledged(server.url, "notifications-orders", ACK_WAIT)
    mails = smtp.mails_about(order_id)
    assert len(mails) == 1
    assert mails[0]["Message-ID"] == f"<{event['id']}@mercado.local>"
    assert len(items) == 1 and items[0]["status"] == "sent"


async def test_smtp_down_the_mail_goes_out_once_it_is_back(
    stack: tuple[ServiceProcess, MailServer, NatsServer], http: httpx.AsyncClient
) -> None:
    svc, smtp, server = stack
    smtp.stop()
    event = order_event("cancelled", email="Later@Example.com")
    order_id = event["data"]["id"]
    failed = {"service_name": "notifications", "event_type": "order.cancelled"}
    tried = await counter(http, svc.url, "mercado_events_redelivered_total", **failed)
    await publish(server.url, event, "mercado.orders.order.cancelled")

    async def retried() -> bool:
        # Delivered, failed on SMTP, and delivered again: the consumer has acted on it.
        return await counter(http, svc.url, "mercado_events_redelivered_total", **failed) > tried

    await until(retried, 60, "a retry while SMTP is down")
    r = await http.get(f"{svc.url}/notifications", params={"order_id": order_id}, headers=ADMIN)
    assert r.json()["total"] == 0  # not recorded as sent, nor as failed for good
    assert smtp.mails_about(order_id) == []
    smtp.start()
    await until(lambda: smtp.mails_about(order_id) or None, 120, "mail after SMTP is back")
    mail = smtp.mails_about(order_id)[0]
    assert "cancelled" in str(mail["Subject"])
    assert "some items were no longer in stock" in mail.get_body().get_content()

    async def listed() -> list[str] | None:
        r = await http.get(
            f"{svc.url}/notifications", params={"customer": "later@example.com"}, headers=ADMIN
        )
        return [n["order_id"] for n in r.json()["items"]] or None

    assert await until(listed, 30, "notification by customer") == [order_id]
    assert mail["To"] == "later@example.com"


async def test_low_stock_mails_the_shop_admin(
    stack: tuple[ServiceProcess, MailServer, NatsServer], http: httpx.AsyncClient
) -> None:
    svc, smtp, server = stack
    sku = f"LOW-{uuid.uuid4().hex[:6].upper()}"
    event = {
        "id": str(uuid.uuid4()),
        "type": "low_stock",
        "source": "inventory",
        "time": datetime.now(UTC).isoformat(),
        "subject": sku,
        "data": {"sku": sku, "available": 2, "threshold": 5},
    }
    await publish(server.url, event, "mercado.inventory.low_stock")

    def about_sku() -> list[Any] | None:
        return [m for m in smtp.mails() if sku in str(m["Subject"])] or None

    mails = await until(about_sku, 60, "low-stock mail")
    assert [m["To"] for m in mails] == ["ops@shop.test"]

    async def listed() -> list[str] | None:
        r = await http.get(
            f"{svc.url}/notifications", params={"customer": "ops@shop.test"}, headers=ADMIN
        )
        return [n["kind"] for n in r.json()["items"]] or None

    assert await until(listed, 30, "low-stock notification") == ["low_stock"]


class RefusingHandler:
    """An SMTP server refusing, for good (550), every recipient at refused.test."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        self.attempts.append(address)
        if address.endswith("@refused.test"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 kept"


async def test_a_permanent_refusal_is_recorded_at_once_not_retried(
    tmp_path_factory: pytest.TempPathFactory, http: httpx.AsyncClient
) -> None:
    root = tmp_path_factory.mktemp("refusing")
    handler = RefusingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    server = NatsServer(root / "nats")
    server.start()
    svc = ServiceProcess(
        "notifications",
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{root / 'n.db'}",
            "NATS_URL": server.url,
            "SMTP_PORT": str(controller.port),
            "CONSUMER_ACK_WAIT_SECONDS": "1",
        },
        root,
    ).start()
    try:
        event = order_event("confirmed", email="nobody@refused.test")
        order_id = event["data"]["id"]
        await publish(server.url, event, "mercado.orders.order.confirmed")

        async def recorded() -> list[dict[str, Any]] | None:
            r = await http.get(
                f"{svc.url}/notifications", params={"order_id": order_id}, headers=ADMIN
            )
            return r.json()["items"] or None

        [item] = await until(recorded, 60, "notification")
        assert item["status"] == "failed"
        assert "550" in item["error"] and "no such mailbox" in item["error"]
        # A later event is handled after it: by then a retry would have happened.
        later = order_event("confirmed", email="fine@example.com")
        await publish(server.url, later, "mercado.orders.order.confirmed")
        await until(lambda: "fine@example.com" in handler.attempts, 60, "the later mail")
        assert handler.attempts.count("nobody@refused.test") == 1
        metrics = (await http.get(f"{svc.url}/metrics")).text
        failed = 'channel="email",outcome="failed",service_name="notifications"'
        assert f"mercado_notifications_total{{{failed}}} 1.0" in metrics

        # ...and dead-lettered at once: notification.failed on the dead-letter subject.
        async def dead_letters() -> list[dict[str, Any]] | None:
            return await stream_events(server.url, "mercado.deadletter.notifications") or None

        [letter] = await until(dead_letters, 60, "notification.failed on the dead-letter subject")
        assert (letter["type"], letter["source"]) == ("notification.failed", "notifications")
        data = letter["data"]
        assert data["notification_id"] == item["id"] and data["event_id"] == event["id"]
        assert (data["order_id"], data["event_type"]) == (order_id, "order.confirmed")
        assert data["recipient"] == "nobody@refused.test"
        assert "550" in data["reason"] and "no such mailbox" in data["reason"]
        assert NotificationFailed.model_validate(data).reason == data["reason"]
        sent = await stream_events(server.url, "mercado.notifications.notification.sent")
        assert [e["data"]["recipient"] for e in sent] == ["fine@example.com"]
    finally:
        svc.stop()
        server.stop()
        controller.stop()
