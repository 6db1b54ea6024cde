"""Request and response bodies of the catalog API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StrictInt

from mercado_toolkit.bounds import MAX_AMOUNT, MULTI_LINE, SINGLE_LINE

SKU_PATTERN = r"^[A-Z0-9][A-Z0-9-]{2,63}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class Money(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: StrictInt = Field(ge=0, le=MAX_AMOUNT, description="minor units (cents)")
    currency: str = Field(pattern=CURRENCY_PATTERN, description="ISO 4217 code")


class Availability(BaseModel):
    available: int | None = Field(description="units available; null while unknown")
    in_stock: bool | None


class CategoryRef(BaseModel):
    slug: str
    name: str


class Product(BaseModel):
    id: str
    sku: str
    name: str
    description: str
    category: CategoryRef
    price: Money
    image_url: str | None
    availability: Availability
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Product:
        available = row["available"]
        return cls(
            id=row["id"],
            sku=row["sku"],
            name=row["name"],
            description=row["description"],
            category=CategoryRef(slug=row["category_slug"], name=row["category_name"]),
            price=Money(amount=row["price_amount"], currency=row["currency"]),
            image_url=row["image_url"],
            availability=Availability(
                available=available, in_stock=None if available is None else available > 0
            ),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sku: str = Field(pattern=SKU_PATTERN)
    name: str = Field(min_length=1, max_length=200, pattern=SINGLE_LINE)
    description: str = Field(default="", max_length=4000, pattern=MULTI_LINE)
    category: str = Field(pattern=SLUG_PATTERN, max_length=80)
    price: Money
    image_url: HttpUrl | None = None


class ProductUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=SINGLE_LINE)
    description: str | None = Field(default=None, max_length=4000, pattern=MULTI_LINE)
    category: str | None = Field(default=None, pattern=SLUG_PATTERN, max_length=80)
    price: Money | None = None
    image_url: HttpUrl | None = None


class Category(BaseModel):
    id: str
    slug: str
    name: str
    product_count: int = 0


class CategoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    slug: str = Field(pattern=SLUG_PATTERN, max_length=80)
    name: str = Field(min_length=1, max_length=120, pattern=SINGLE_LINE)
