"""Notifications tables: every message sent (or refused), outbox, processed events."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table, Text

from mercado_toolkit.db_types import UTCDateTime
from mercado_toolkit.events.tables import outbox_table, processed_events_table

metadata = MetaData()

notifications = Table(
    "notifications",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("event_type", String(100), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("order_id", String(36), nullable=True, index=True),
    Column("recipient", String(254), nullable=False, index=True),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("message_id", String(300), nullable=False),
    Column("status", String(20), nullable=False),
    Column("error", String(500), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
