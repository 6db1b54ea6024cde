"""Products and categories as the catalog keeps them (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict


@dataclass(frozen=True, slots=True)
class ProductRecord:
    id: str
    sku: str
    name: str
    description: str
    category_id: str
    category_slug: str
    category_name: str
    price_amount: int
    currency: str
    image_url: str | None
    available: int | None  # as last reported by inventory; None until it has spoken
    stock_version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewProduct:
    sku: str
    name: str
    description: str
    category_id: str
    price_amount: int
    currency: str
    image_url: str | None


class ProductChanges(TypedDict, total=False):
    """The columns an update sets (only those given)."""

    name: str
    description: str
    category_id: str
    price_amount: int
    currency: str
    image_url: str | None


@dataclass(frozen=True, slots=True)
class CategoryRecord:
    id: str
    slug: str
    name: str
    product_count: int = 0
