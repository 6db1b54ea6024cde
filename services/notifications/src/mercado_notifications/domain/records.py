"""A notification as notifications keeps it: one per event, sent or refused (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class NotificationRecord:
    id: str
    event_id: str  # the event the message is about: one message per event
    event_type: str
    kind: str
    channel: str
    order_id: str | None
    recipient: str
    subject: str
    body: str
    message_id: str
    status: str  # "sent" or "failed"
    error: str | None
    created_at: datetime
