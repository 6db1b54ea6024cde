"""Catalog tables: categories, products, plus the toolkit's outbox and processed events."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from mercado_toolkit.db_types import UTCDateTime
from mercado_toolkit.events.tables import outbox_table, processed_events_table

metadata = MetaData()

categories = Table(
    "categories",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("slug", String(80), nullable=False, unique=True),
    Column("name", String(120), nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False, index=True),
    Column("description", Text, nullable=False, default=""),
    Column("category_id", String(36), ForeignKey("categories.id"), nullable=False, index=True),
    Column("price_amount", BigInteger, nullable=False, index=True),
    Column("currency", String(3), nullable=False),
    Column("image_url", String(500), nullable=True),
    # Availability as last reported by inventory; NULL until inventory has spoken.
    Column("available", Integer, nullable=True),
    Column("stock_version", BigInteger, nullable=False, default=0),
    Column("created_at", UTCDateTime(), nullable=False, index=True),
    Column("updated_at", UTCDateTime(), nullable=False),
)

outbox = outbox_table(metadata)
processed_events = processed_events_table(metadata)
