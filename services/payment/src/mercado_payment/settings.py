"""Payment settings (environment prefix ``MERCADO_PAYMENT_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from mercado_toolkit.settings import ServiceSettings


class PaymentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MERCADO_PAYMENT_", extra="ignore")

    service_name: str = "payment"
    port: int = 8104
    database_url: str = "sqlite+aiosqlite:///./data/payment.db"
    # The only caller allowed to charge and refund (the admin token may read).
    orders_token: SecretStr = SecretStr("orders-dev-token")
    # The bank (acquirer) and how payment calls it.
    bank_url: str = "http://127.0.0.1:8109"
    bank_token: SecretStr = SecretStr("payment-dev-token")
    bank_timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    bank_attempts: int = Field(default=3, ge=1, le=10)
    bank_breaker_failures: int = Field(default=5, ge=1)
    bank_breaker_recovery_seconds: float = Field(default=5.0, gt=0)
    # Settlement of PENDING payments (outcome unknown) by asking the bank.
    settle_interval_seconds: float = Field(default=1.0, gt=0)
    # A payment the bank still has no record of after this long is closed at the bank
    # (a late request under its key can no longer charge) and marked DECLINED.
    settle_close_after_seconds: float = Field(default=30.0, gt=0)

    @property
    def bank_call_budget_seconds(self) -> float:
        """Longest one charge can wait on the bank: every attempt plus the back-off."""
        return self.bank_attempts * (self.bank_timeout_seconds + 1.0)
