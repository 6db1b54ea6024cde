"""Inventory settings (environment prefix ``MERCADO_INVENTORY_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from mercado_toolkit.settings import ServiceSettings


class InventorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MERCADO_INVENTORY_", extra="ignore")

    service_name: str = "inventory"
    port: int = 8102
    database_url: str = "sqlite+aiosqlite:///./data/inventory.db"
    # Token the orders service presents to reserve, commit and release stock.
    orders_token: SecretStr = SecretStr("orders-dev-token")
    reservation_ttl_seconds: int = Field(default=900, ge=1)
    expiry_interval_seconds: float = Field(default=1.0, gt=0)
    low_stock_threshold: int = Field(default=5, ge=0)
