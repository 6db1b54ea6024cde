"""Bank simulator settings (environment prefix ``MERCADO_BANK_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from mercado_toolkit.settings import ServiceSettings


class BankSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MERCADO_BANK_", extra="ignore")

    service_name: str = "bank"
    port: int = 8109
    database_url: str = "sqlite+aiosqlite:///./data/bank.db"
    # Token the payment service presents (the admin token is accepted too).
    client_token: SecretStr = SecretStr("payment-dev-token")
    # Fault injection, also changeable at run time with PUT /admin/faults.
    latency_ms: int = Field(default=0, ge=0, le=600_000)
    failure_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    # How long the "timeout" test card (4000000000000341) keeps its caller waiting.
    slow_card_delay_seconds: float = Field(default=30.0, ge=0.0, le=3600.0)
    # Key of the HMAC that fingerprints a card inside an idempotency check.
    fingerprint_key: SecretStr = SecretStr("bank-dev-fingerprint-key")
