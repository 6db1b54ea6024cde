"""Request and response bodies of the inventory API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from mercado_toolkit.bounds import SINGLE_LINE

SKU = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class Stock(BaseModel):
    sku: str
    available: int
    reserved: int
    sold: int
    low_stock_threshold: int
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Stock:
        return cls.model_validate(row)


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

    sku: str = SKU
    quantity: StrictInt = Field(gt=0, le=10_000)


class ReserveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    lines: list[LineIn] = Field(min_length=1, max_length=100)
    ttl_seconds: StrictInt | None = Field(default=None, ge=1, le=86_400)


class LineOut(BaseModel):
    sku: str
    quantity: int


class ReservationOut(BaseModel):
    order_id: str
    status: str
    expires_at: datetime
    lines: list[LineOut]
