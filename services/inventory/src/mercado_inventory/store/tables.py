"""Inventory tables: stock per SKU, reservations and their lines, outbox, processed events."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
)

from mercado_toolkit.db_types import UTCDateTime
from mercado_toolkit.events.tables import outbox_table, processed_events_table

metadata = MetaData()

stock = Table(
    "stock",
    metadata,
    Column("sku", String(64), primary_key=True),
    Column("available", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    Column("sold", Integer, nullable=False),
    Column("low_stock_threshold", Integer, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    CheckConstraint("available >= 0", name="stock_available_not_negative"),
    CheckConstraint("reserved >= 0", name="stock_reserved_not_negative"),
    CheckConstraint("sold >= 0", name="stock_sold_not_negative"),
)

reservations = Table(
    "reservations",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("status", String(16), nullable=False, index=True),
    Column("expires_at", UTCDateTime(), nullable=False, index=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

reservation_lines = Table(
    "reservation_lines",
    metadata,
    Column("order_id", String(64), ForeignKey("reservations.order_id"), primary_key=True),
    Column("sku", String(64), ForeignKey("stock.sku"), primary_key=True),
    Column("quantity", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="reservation_line_quantity_positive"),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
