"""The event envelope ``{id, type, source, time, subject, version, data}`` and NATS
subjects."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

SUBJECT_PREFIX = "mercado"


def nats_subject(source: str, event_type: str) -> str:
    """``mercado.<service>.<event>``, e.g. ``mercado.inventory.stock_changed``."""
    return f"{SUBJECT_PREFIX}.{source}.{event_type}"


def dead_letter_subject(consumer: str) -> str:
    return f"{SUBJECT_PREFIX}.deadletter.{consumer}"


class Envelope(BaseModel):
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: str
    source: str
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str = ""
    # The version of the payload model (``mercado_contracts.events``) ``data`` follows.
    version: int = 1
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def nats_subject(self) -> str:
        return nats_subject(self.source, self.type)
