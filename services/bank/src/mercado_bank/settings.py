"""Bank simulator settings (environment prefix ``MERCADO_BANK_``)."""

from __future__ import annotations

import hashlib
import hmac

from pydantic import BaseModel, Field, SecretStr

from mercado_toolkit.settings import ServiceSettings, prefixed


class AcceptedCallers(BaseModel):
    """The token each caller presents (``MERCADO_BANK_ACCEPTED_CALLERS__<CALLER>``)."""

    payment: SecretStr


class BankSettings(ServiceSettings):
    model_config = prefixed("MERCADO_BANK_")

    port: int = 8109
    database_url: str = "sqlite+aiosqlite:///./data/bank.db"
    # The payment service calls the bank (the admin token is accepted too).
    accepted_callers: AcceptedCallers
    # Fault injection, also changeable at run time with PUT /admin/faults.
    latency_ms: int = Field(default=0, ge=0, le=600_000)
    failure_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    # How long the "timeout" test card (4000000000000341) keeps its caller waiting.
    slow_card_delay_seconds: float = Field(default=30.0, ge=0.0, le=3600.0)
    # Key of the HMAC that fingerprints a card inside an idempotency check; unset, it is
    # derived from the admin token (stable across restarts and replicas all the same).
    fingerprint_key: SecretStr | None = None

    def fingerprint_secret(self) -> bytes:
        if self.fingerprint_key is not None:
            return self.fingerprint_key.get_secret_value().encode()
        admin = self.admin_token.get_secret_value().encode()
        return hmac.new(admin, b"mercado-bank-fingerprint", hashlib.sha256).digest()
