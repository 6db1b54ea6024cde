"""Orders settings (environment prefix ``MERCADO_ORDERS_``)."""

from __future__ import annotations

import hashlib
import hmac

from pydantic import BaseModel, Field, SecretStr

from mercado_toolkit.settings import Dependency, ServiceSettings, prefixed


class Catalog(Dependency):
    """Where orders prices lines (``MERCADO_ORDERS_CATALOG__<FIELD>``)."""

    url: str = "http://127.0.0.1:8101"
    timeout_seconds: float = Field(default=2.0, gt=0)


class Inventory(Dependency):
    """Where orders reserves stock (``MERCADO_ORDERS_INVENTORY__<FIELD>``)."""

    url: str = "http://127.0.0.1:8102"
    token: SecretStr  # what orders presents to inventory
    timeout_seconds: float = Field(default=5.0, gt=0)


class Payment(Dependency):
    """Where orders charges (``MERCADO_ORDERS_PAYMENT__<FIELD>``)."""

    url: str = "http://127.0.0.1:8104"
    token: SecretStr  # what orders presents to payment
    # Longer than payment's own bank timeout, so payment answers (PENDING) before we give up.
    timeout_seconds: float = Field(default=15.0, gt=0)


class AcceptedCallers(BaseModel):
    """The token each caller presents (``MERCADO_ORDERS_ACCEPTED_CALLERS__<CALLER>``)."""

    # The gateway, orders' only caller (the admin token is accepted too).
    gateway: SecretStr


class OrdersSettings(ServiceSettings):
    model_config = prefixed("MERCADO_ORDERS_")

    port: int = 8103
    database_url: str = "sqlite+aiosqlite:///./data/orders.db"

    catalog: Catalog = Catalog()
    inventory: Inventory
    payment: Payment
    accepted_callers: AcceptedCallers
    # The key order access tokens are derived from (keep it secret, keep it stable: a new
    # key makes every customer's order links stop working). Unset, it is derived from the
    # admin token.
    order_token_key: SecretStr | None = None

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

    def order_token_secret(self) -> bytes:
        if self.order_token_key is not None:
            return self.order_token_key.get_secret_value().encode()
        admin = self.admin_token.get_secret_value().encode()
        return hmac.new(admin, b"mercado-order-token", hashlib.sha256).digest()
