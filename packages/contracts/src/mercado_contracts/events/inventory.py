"""Events inventory publishes: ``stock_changed`` on every change, ``low_stock`` on crossing
the threshold."""

from __future__ import annotations

from typing import ClassVar

from mercado_contracts.events.base import EventPayload


class StockChanged(EventPayload):
    SOURCE: ClassVar[str] = "inventory"
    TYPE: ClassVar[str] = "stock_changed"

    sku: str
    available: int
    reserved: int
    sold: int
    version: int  # of the SKU's stock row: a consumer keeps the newest it has seen


class LowStock(EventPayload):
    SOURCE: ClassVar[str] = "inventory"
    TYPE: ClassVar[str] = "low_stock"

    sku: str
    available: int
    threshold: int
