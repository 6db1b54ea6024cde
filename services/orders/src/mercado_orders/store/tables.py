"""Orders tables: orders with their saga state, order lines, outbox, processed events.

No card number or CVC is ever stored: only the last four digits and, when the customer paid
with a bank card token, that token.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

from mercado_toolkit.db_types import UTCDateTime
from mercado_toolkit.events.tables import outbox_table, processed_events_table

metadata = MetaData()

orders = Table(
    "orders",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status", String(20), nullable=False),
    Column("cancel_reason", String(40), nullable=True),
    Column("cancel_requested", String(40), nullable=True),
    Column("customer_email", String(254), nullable=False, index=True),
    Column("total_amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("card_last4", String(4), nullable=True),
    Column("card_token", String(200), nullable=True),
    Column("payment_id", String(64), nullable=True),
    Column("payment_status", String(20), nullable=True),
    Column("decline_code", String(64), nullable=True),
    Column("payment_attempt_at", UTCDateTime(), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("lease_owner", String(36), nullable=True),
    Column("lease_until", UTCDateTime(), nullable=True),
    Column("version", Integer, nullable=False, server_default="0"),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("total_amount >= 0", name="orders_total_not_negative"),
    Index("ix_orders_work", "status", "next_attempt_at"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", String(36), ForeignKey("orders.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("product_id", String(64), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("unit_amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    CheckConstraint("quantity > 0", name="order_line_quantity_positive"),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
