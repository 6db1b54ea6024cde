"""A SKU's stock as inventory keeps it (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StockLevel:
    sku: str
    available: int
    reserved: int
    sold: int
    low_stock_threshold: int
    version: int  # bumped by every change, in the store's one UPDATE
    updated_at: datetime
