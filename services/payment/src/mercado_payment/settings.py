"""Payment settings (environment prefix ``MERCADO_PAYMENT_``)."""

from __future__ import annotations

from pydantic import BaseModel, Field, SecretStr

from mercado_toolkit.settings import Dependency, ServiceSettings, prefixed


class AcceptedCallers(BaseModel):
    """The token each caller presents (``MERCADO_PAYMENT_ACCEPTED_CALLERS__<CALLER>``)."""

    # The only caller allowed to charge and refund (the admin token may read).
    orders: SecretStr


class Bank(Dependency):
    """The bank (acquirer) and how payment calls it (``MERCADO_PAYMENT_BANK__<FIELD>``)."""

    url: str = "http://127.0.0.1:8109"
    token: SecretStr  # what payment presents to the bank
    timeout_seconds: float = Field(default=2.0, gt=0, le=60)
    attempts: int = Field(default=3, ge=1, le=10)


class PaymentSettings(ServiceSettings):
    model_config = prefixed("MERCADO_PAYMENT_")

    port: int = 8104
    database_url: str = "sqlite+aiosqlite:///./data/payment.db"
    accepted_callers: AcceptedCallers
    bank: Bank
    # Settlement of PENDING payments (outcome unknown) by asking the bank.
    settle_interval_seconds: float = Field(default=1.0, gt=0)
    # A payment the bank still has no record of after this long is closed at the bank
    # (a late request under its key can no longer charge) and marked DECLINED.
    settle_close_after_seconds: float = Field(default=30.0, gt=0)

    @property
    def bank_call_budget_seconds(self) -> float:
        """Longest one charge can wait on the bank: every attempt plus the back-off."""
        return self.bank.attempts * (self.bank.timeout_seconds + 1.0)
