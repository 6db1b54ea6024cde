"""Events notifications publishes: ``notification.sent`` for every message handed over."""

from __future__ import annotations

from typing import ClassVar

from mercado_contracts.events.base import EventPayload


class NotificationSent(EventPayload):
    SOURCE: ClassVar[str] = "notifications"
    TYPE: ClassVar[str] = "notification.sent"

    notification_id: str
    event_id: str  # of the event the message is about
    kind: str
    channel: str
    order_id: str | None
    recipient: str
    message_id: str
