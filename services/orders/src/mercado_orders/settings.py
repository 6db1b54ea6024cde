"""Orders settings (environment prefix ``MERCADO_ORDERS_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from mercado_toolkit.settings import ServiceSettings


class OrdersSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MERCADO_ORDERS_", extra="ignore")

    service_name: str = "orders"
    port: int = 8103
    database_url: str = "sqlite+aiosqlite:///./data/orders.db"

    catalog_url: str = "http://127.0.0.1:8101"
    inventory_url: str = "http://127.0.0.1:8102"
    payment_url: str = "http://127.0.0.1:8104"
    # The token orders presents to inventory and to payment.
    orders_token: SecretStr = SecretStr("orders-dev-token")
    # The token orders accepts from its only caller, the gateway (besides the admin's).
    gateway_token: SecretStr = SecretStr("gateway-dev-token")
    # The key order access tokens are derived from (keep it secret, keep it stable: a new
    # key makes every customer's order links stop working).
    order_token_key: SecretStr = SecretStr("order-token-dev-key")

    catalog_timeout_seconds: float = Field(default=2.0, gt=0)
    inventory_timeout_seconds: float = Field(default=5.0, gt=0)
    # Longer than payment's own bank timeout, so payment answers (PENDING) before we give up.
    payment_timeout_seconds: float = Field(default=15.0, gt=0)

    # Reservations made for an order last this long in inventory unless committed.
    reservation_ttl_seconds: int = Field(default=900, ge=1, le=86_400)
    # Saga driving: a replica leases an order while it works on it; the recovery loop scans
    # unfinished orders whose lease is free and whose next attempt is due.
    lease_seconds: float = Field(default=30.0, gt=0)
    recovery_interval_seconds: float = Field(default=0.5, gt=0)
    recovery_batch: int = Field(default=50, ge=1, le=1000)
    retry_base_seconds: float = Field(default=0.5, gt=0)
    retry_max_seconds: float = Field(default=10.0, gt=0)
    # After the last charge attempt, how long a charge sent by a process that died may
    # still land at payment: "no payment" is only believed once this has passed.
    payment_settle_grace_seconds: float = Field(default=30.0, ge=0)
