"""Inventory settings (environment prefix ``MERCADO_INVENTORY_``)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from mercado_toolkit.settings import ServiceSettings, prefixed


class AcceptedCallers(BaseModel):
    """The token each caller presents (``MERCADO_INVENTORY_ACCEPTED_CALLERS__<CALLER>``)."""

    # Orders reserves, commits and releases stock (the admin token may too).
    orders: SecretStr


class InventorySettings(ServiceSettings):
    model_config = prefixed("MERCADO_INVENTORY_")

    port: int = 8102
    database_url: str = "sqlite+aiosqlite:///./data/inventory.db"
    accepted_callers: AcceptedCallers
    reservation_ttl_seconds: int = Field(default=900, ge=1)
    expiry_interval_seconds: float = Field(default=1.0, gt=0)
    low_stock_threshold: int = Field(default=5, ge=0)
