"""Events notifications publishes: ``notification.sent`` for every message handed over,
``notification.failed`` for one refused for good, on the dead-letter subject."""

from __future__ import annotations

from typing import ClassVar

from mercado_contracts.events.base import SUBJECT_PREFIX, EventPayload


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


class NotificationFailed(EventPayload):
    """A message the mail server refused for good (an SMTP 5xx, an address no server takes).

    It is not retried: it is recorded (``status: failed`` in the API, the
    ``mercado_notifications_total{outcome="failed"}`` metric) and this event goes to the
    dead-letter subject ``mercado.deadletter.notifications`` for whoever handles those.
    """

    SOURCE: ClassVar[str] = "notifications"
    TYPE: ClassVar[str] = "notification.failed"

    notification_id: str
    event_id: str  # of the event the message was about
    event_type: str  # e.g. order.confirmed
    kind: str
    channel: str
    order_id: str | None
    recipient: str
    message_id: str
    reason: str  # what the mail server (or the address check) said

    @classmethod
    def subject(cls) -> str:
        return f"{SUBJECT_PREFIX}.deadletter.{cls.SOURCE}"
