"""Events notifications consumes: final order states (to the customer) and low stock (to
the shop's admin). One e-mail per event: the consumer records the event as processed in the
same transaction as the notification; a crash after SMTP accepted the mail but before that
commit repeats that one mail, with the same Message-ID."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from jinja2 import TemplateError
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_notifications.domain.messages import (
    CHANNEL,
    Kind,
    kind_of,
    message_id,
    order_recipient,
    reason_text,
)
from mercado_notifications.mail import smtp
from mercado_notifications.mail.render import Renderer, build_message
from mercado_notifications.settings import NotificationsSettings
from mercado_notifications.store import notifications
from mercado_toolkit.events.consumer import Subscription
from mercado_toolkit.events.envelope import Envelope, nats_subject
from mercado_toolkit.events.outbox import Outbox
from mercado_toolkit.metrics import NOTIFICATIONS

log = logging.getLogger("mercado.notifications")


class Notifier:
    def __init__(self, settings: NotificationsSettings, outbox: Outbox) -> None:
        self.settings = settings
        self.outbox = outbox
        self.renderer = Renderer(settings.shop_name)

    def compose(self, event: Envelope) -> tuple[Kind, str, str, str, str | None]:
        """(kind, recipient, subject, body, order id) for an event."""
        kind = kind_of(event.type)
        data = event.data
        if kind is Kind.LOW_STOCK:
            subject, body = self.renderer.render(kind, stock=data)
            return kind, self.settings.admin_email, subject, body, None
        subject, body = self.renderer.render(
            kind, order=data, reason=reason_text(data.get("cancel_reason"))
        )
        return kind, order_recipient(data), subject, body, str(data.get("id"))

    async def handle(self, session: AsyncSession, event: Envelope) -> None:
        try:
            kind, recipient, subject, body, order_id = self.compose(event)
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
            # Retrying cannot help: recorded at once (API, metrics, notification.failed).
            status, error = "failed", str(exc)[:500]
            log.error("mail for event %s refused for good: %s", event.id, exc)
        values: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "event_id": event.id,
            "event_type": event.type,
            "kind": kind.value,
            "channel": CHANNEL,
            "order_id": order_id,
            "recipient": recipient,
            "subject": subject,
            "body": body,
            "message_id": mid,
            "status": status,
            "error": error,
            "created_at": datetime.now(UTC),
        }
        await notifications.add(session, values)
        await self.outbox.add(
            session,
            f"notification.{status}",
            values["id"],
            {
                "notification_id": values["id"],
                "event_id": event.id,
                "kind": kind.value,
                "channel": CHANNEL,
                "order_id": order_id,
                "recipient": recipient,
                "message_id": mid,
                **({"error": error} if error else {}),
            },
        )
        NOTIFICATIONS.labels("notifications", CHANNEL, status).inc()


def subscriptions(notifier: Notifier) -> list[Subscription]:
    return [
        Subscription(
            durable="notifications-orders",
            subjects=[
                nats_subject("orders", "order.confirmed"),
                nats_subject("orders", "order.cancelled"),
            ],
            handler=notifier.handle,
        ),
        Subscription(
            durable="notifications-stock",
            subjects=[nats_subject("inventory", "low_stock")],
            handler=notifier.handle,
        ),
    ]
