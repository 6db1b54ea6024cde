"""Bank tables: card tokens, authorizations (one per idempotency key), first failures."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table

from mercado_toolkit.db_types import UTCDateTime
from mercado_toolkit.events.tables import outbox_table, processed_events_table

metadata = MetaData()

cards = Table(
    "cards",
    metadata,
    Column("token", String(40), primary_key=True),
    Column("last4", String(4), nullable=False),
    Column("exp_month", Integer, nullable=False),
    Column("exp_year", Integer, nullable=False),
    Column("rule", String(24), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)

authorizations = Table(
    "authorizations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("idempotency_key", String(255), nullable=False, unique=True),
    Column("fingerprint", String(64), nullable=True),
    Column("reference", String(128), nullable=True, index=True),
    Column("amount", BigInteger, nullable=True),
    Column("currency", String(3), nullable=True),
    Column("status", String(16), nullable=False, index=True),
    Column("decline_code", String(40), nullable=True),
    Column("card_token", String(40), nullable=True),
    Column("card_last4", String(4), nullable=True),
    Column("rule", String(24), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# Idempotency keys that already had their one failure (test card 4000000000000077).
first_failures = Table(
    "first_failures",
    metadata,
    Column("idempotency_key", String(255), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

# The toolkit runtime expects these in every service; the bank publishes no events.
outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
