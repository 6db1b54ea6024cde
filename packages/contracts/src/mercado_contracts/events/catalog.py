"""Events the catalog publishes about its products."""

from __future__ import annotations

from typing import ClassVar

from mercado_contracts.events.base import EventPayload
from mercado_contracts.money import Money


class ProductPayload(EventPayload):
    SOURCE: ClassVar[str] = "catalog"

    id: str
    sku: str
    name: str
    category: str
    price: Money


class ProductCreated(ProductPayload):
    TYPE: ClassVar[str] = "product.created"


class ProductUpdated(ProductPayload):
    TYPE: ClassVar[str] = "product.updated"


class ProductDeleted(ProductPayload):
    TYPE: ClassVar[str] = "product.deleted"
