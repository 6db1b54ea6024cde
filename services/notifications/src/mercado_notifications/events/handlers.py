"""Events notifications consumes: final order states (to the customer) and low stock (to
the shop's admin). One e-mail per event: the consumer records the event as processed in the
same transaction as the notification; a crash after SMTP accepted the mail but before that
commit repeats that one mail, with the same Message-ID. A mail refused for good is recorded
as failed and ``notification.failed`` goes to the dead-letter subject, through the outbox in
that same transaction."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from jinja2 import TemplateError
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_contracts.events import (
    LowStock,
    NotificationFailed,
    NotificationSent,
    OrderCancelled,
    OrderConfirmed,
)
from mercado_contracts.events.orders import OrderPayload
from mercado_notifications.domain.messages import (
    CHANNEL,
    Kind,
    kind_of,
    message_id,
    order_recipient,
    reason_text,
)
from mercado_notifications.domain.records import NotificationRecord
from mercado_notifications.mail import smtp
from mercado_notifications.mail.render import Renderer, build_message
from mercado_notifications.settings import NotificationsSettings
from mercado_notifications.store import notifications
from mercado_toolkit.events.consumer import Subscription
from mercado_toolkit.events.envelope import Envelope
from mercado_toolkit.events.outbox import Outbox
from mercado_toolkit.metrics import NOTIFICATIONS

log = logging.getLogger("mercado.notifications")

# What notifications sends a mail for: a final order state, or low stock.
Received = OrderPayload | LowStock


class Notifier:
    def __init__(self, settings: NotificationsSettings, outbox: Outbox) -> None:
        self.settings = settings
        self.outbox = outbox
        self.renderer = Renderer(settings.shop_name)

    def compose(self, event: Envelope, payload: Received) -> tuple[Kind, str, str, str, str | None]:
        """(kind, recipient, subject, body, order id) for an event."""
        kind = kind_of(event.type)
        data = payload.model_dump(mode="json")
        if isinstance(payload, LowStock):
            subject, body = self.renderer.render(kind, stock=data)
            return kind, self.settings.admin_email, subject, body, None
        subject, body = self.renderer.render(
            kind, order=data, reason=reason_text(payload.cancel_reason)
        )
        return kind, order_recipient(payload.customer.email), subject, body, payload.id

    async def handle(self, session: AsyncSession, event: Envelope, payload: Received) -> None:
        try:
            kind, recipient, subject, body, order_id = self.compose(event, payload)
        except (ValueError, KeyError, TypeError, TemplateError) as exc:
            # A malformed event will not get better by retrying: log it and move on.
            NOTIFICATIONS.labels("notifications", CHANNEL, "invalid").inc()
            log.error("no mail for event %s (%s): %s", event.id, event.type, exc)
            return
        mid = message_id(event.id, self.settings.message_id_domain)
        status, error = "sent", None
        try:
            try:
                message = build_message(self.settings.smtp_from, recipient, subject, body, mid)
            except (ValueError, TypeError) as exc:
                raise smtp.PermanentFailure(f"malformed address {recipient!r}: {exc}") from exc
            await smtp.send(self.settings, message)
        except smtp.TemporaryFailure as exc:
            NOTIFICATIONS.labels("notifications", CHANNEL, "retry").inc()
            log.warning("mail for event %s not sent yet: %s", event.id, exc)
            raise
        except smtp.PermanentFailure as exc:
            # Retrying cannot help: recorded at once with the reason (API and metrics).
            status, error = "failed", str(exc)[:500]
            log.error("mail for event %s refused for good: %s", event.id, exc)
        record = NotificationRecord(
            id=str(uuid.uuid4()),
            event_id=event.id,
            event_type=event.type,
            kind=kind.value,
            channel=CHANNEL,
            order_id=order_id,
            recipient=recipient,
            subject=subject,
            body=body,
            message_id=mid,
            status=status,
            error=error,
            created_at=datetime.now(UTC),
        )
        await notifications.add(session, record)
        await self.outbox.add(session, record.id, _outcome(record))
        NOTIFICATIONS.labels("notifications", CHANNEL, status).inc()


def _outcome(record: NotificationRecord) -> NotificationSent | NotificationFailed:
    """The event telling what became of a message: sent, or refused for good."""
    common = {
        "notification_id": record.id,
        "event_id": record.event_id,
        "kind": record.kind,
        "channel": record.channel,
        "order_id": record.order_id,
        "recipient": record.recipient,
        "message_id": record.message_id,
    }
    if record.status == "sent":
        return NotificationSent(**common)
    return NotificationFailed(
        **common, event_type=record.event_type, reason=record.error or "refused"
    )


def subscriptions(notifier: Notifier) -> list[Subscription[Any]]:
    orders: Subscription[Received] = Subscription(
        durable="notifications-orders",
        events=[OrderConfirmed, OrderCancelled],
        handler=notifier.handle,
    )
    stock: Subscription[Received] = Subscription(
        durable="notifications-stock", events=[LowStock], handler=notifier.handle
    )
    return [orders, stock]
