"""Gateway settings (environment prefix ``MERCADO_GATEWAY_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from mercado_toolkit.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MERCADO_GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    port: int = 8080
    catalog_url: str = "http://127.0.0.1:8101"
    orders_url: str = "http://127.0.0.1:8103"
    # Bearer token the gateway presents to orders (unset: no Authorization header).
    orders_token: SecretStr | None = None
    catalog_timeout_seconds: float = Field(default=3.0, gt=0)
    orders_timeout_seconds: float = Field(default=5.0, gt=0)
    # Circuit breaker per backend: opens after this many failed calls, retries after.
    breaker_failures: int = Field(default=5, ge=1)
    breaker_recovery_seconds: float = Field(default=5.0, gt=0)
