"""Request and response bodies of the inventory API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from mercado_contracts.ids import OrderRef, Sku
from mercado_contracts.limits import (
    MAX_RESERVATION_LINES,
    MAX_RESERVATION_QUANTITY,
    SINGLE_LINE,
)
from mercado_contracts.states import ReservationStatus
from mercado_inventory.domain.stock import StockLevel


class Stock(BaseModel):
    sku: str
    available: int
    reserved: int
    sold: int
    low_stock_threshold: int
    updated_at: datetime

    @classmethod
    def of(cls, level: StockLevel) -> Stock:
        return cls.model_validate(level, from_attributes=True)


class Adjustment(BaseModel):
    # A non-zero delta, a low-stock threshold, or both.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [{"required": ["delta"]}, {"required": ["low_stock_threshold"]}]
        },
    )

    delta: StrictInt = Field(
        default=0, ge=-1_000_000, le=1_000_000, description="units to add (+) or remove (-)"
    )
    low_stock_threshold: StrictInt | None = Field(default=None, ge=0, le=1_000_000)
    reason: str = Field(default="", max_length=200, pattern=SINGLE_LINE)

    @model_validator(mode="after")
    def _something(self) -> Adjustment:
        if self.delta == 0 and self.low_stock_threshold is None:
            raise ValueError("give a non-zero delta or a low_stock_threshold")
        return self


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Sku
    quantity: StrictInt = Field(gt=0, le=MAX_RESERVATION_QUANTITY)


class ReserveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: OrderRef
    lines: list[LineIn] = Field(min_length=1, max_length=MAX_RESERVATION_LINES)
    ttl_seconds: StrictInt | None = Field(default=None, ge=1, le=86_400)


class LineOut(BaseModel):
    sku: str
    quantity: int


class ReservationOut(BaseModel):
    order_id: str
    status: ReservationStatus
    expires_at: datetime
    lines: list[LineOut]
