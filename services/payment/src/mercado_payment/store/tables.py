"""Payment tables: payments (one per order), outbox, processed events.

No card number or CVC is ever stored: only the bank's card token and the last four digits.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, Index, Integer, MetaData, String, Table

from mercado_toolkit.db_types import UTCDateTime
from mercado_toolkit.events.tables import outbox_table, processed_events_table

metadata = MetaData()

payments = Table(
    "payments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("order_id", String(64), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("decline_code", String(40), nullable=True),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("card_last4", String(4), nullable=True),
    Column("card_token", String(40), nullable=True),
    Column("bank_key", String(80), nullable=False),
    Column("bank_authorization_id", String(36), nullable=True),
    Column("checks", Integer, nullable=False, default=0),
    Column("next_check_at", UTCDateTime(), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("amount > 0", name="payment_amount_positive"),
    Index("ix_payments_status_next_check", "status", "next_check_at"),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
