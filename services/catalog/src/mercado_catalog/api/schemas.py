"""Request and response bodies of the catalog API."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from mercado_catalog.domain.products import ProductRecord
from mercado_contracts.ids import NewSku, Slug
from mercado_contracts.limits import (
    MAX_CATEGORY_NAME,
    MAX_PRODUCT_DESCRIPTION,
    MAX_PRODUCT_NAME,
    MULTI_LINE,
    SINGLE_LINE,
)
from mercado_contracts.money import Money, Price


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
    def from_row(cls, p: ProductRecord) -> Product:
        return cls.model_validate(product_body(p))


class CategoryBody(TypedDict):
    slug: str
    name: str


class MoneyBody(TypedDict):
    amount: int
    currency: str


class AvailabilityBody(TypedDict):
    available: int | None
    in_stock: bool | None


class ProductBody(TypedDict):
    """:class:`Product` as plain data (validated by the route's response model)."""

    id: str
    sku: str
    name: str
    description: str
    category: CategoryBody
    price: MoneyBody
    image_url: str | None
    availability: AvailabilityBody
    created_at: datetime
    updated_at: datetime


def product_body(p: ProductRecord) -> ProductBody:
    """A stored product shaped as :class:`Product`."""
    available = p.available
    return ProductBody(
        id=p.id,
        sku=p.sku,
        name=p.name,
        description=p.description,
        category=CategoryBody(slug=p.category_slug, name=p.category_name),
        price=MoneyBody(amount=p.price_amount, currency=p.currency),
        image_url=p.image_url,
        availability=AvailabilityBody(
            available=available, in_stock=None if available is None else available > 0
        ),
        created_at=p.created_at,
        updated_at=p.updated_at,
    )


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sku: NewSku
    name: str = Field(min_length=1, max_length=MAX_PRODUCT_NAME, pattern=SINGLE_LINE)
    description: str = Field(default="", max_length=MAX_PRODUCT_DESCRIPTION, pattern=MULTI_LINE)
    category: Slug
    price: Price
    image_url: HttpUrl | None = None


class ProductUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(
        default=None, min_length=1, max_length=MAX_PRODUCT_NAME, pattern=SINGLE_LINE
    )
    description: str | None = Field(
        default=None, max_length=MAX_PRODUCT_DESCRIPTION, pattern=MULTI_LINE
    )
    category: Slug | None = None
    price: Price | None = None
    image_url: HttpUrl | None = None


class Category(BaseModel):
    id: str
    slug: str
    name: str
    product_count: int = 0


class CategoryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    slug: Slug
    name: str = Field(min_length=1, max_length=MAX_CATEGORY_NAME, pattern=SINGLE_LINE)
