"""Settings shared by every service; each service subclasses with its own env prefix.

A setting says which way it points. What a service presents to a service it calls is part
of that dependency's settings (:class:`Dependency`: URL, token, timeout, attempts,
breaker), read from ``MERCADO_<SERVICE>_<DEPENDENCY>__<FIELD>``; what it accepts from its
callers is a separate, named setting (``accepted_callers``). No secret has a default: local
mode (``mercado up``) passes its development tokens explicitly.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Dependency(BaseModel):
    """A service this one calls, and how. A subclass per dependency sets its defaults."""

    model_config = ConfigDict(extra="forbid")

    url: str
    # The bearer token this service presents (None: no Authorization header).
    token: SecretStr | None = None
    timeout_seconds: float = Field(default=2.0, gt=0, le=600)
    attempts: int = Field(default=3, ge=1, le=10)
    # The circuit breaker: opens after this many failed calls, tries again after.
    breaker_failures: int = Field(default=5, ge=1)
    breaker_recovery_seconds: float = Field(default=5.0, gt=0)

    def token_value(self) -> str | None:
        return self.token.get_secret_value() if self.token is not None else None


class ServiceSettings(BaseSettings):
    """Base settings. A service subclass sets ``model_config`` with its ``env_prefix``.

    Built in the app factory, never at import time.
    """

    model_config = SettingsConfigDict(
        env_prefix="MERCADO_", env_nested_delimiter="__", extra="ignore"
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    database_url: str = "sqlite+aiosqlite:///./service.db"
    # Database connections each process keeps open: about the requests it serves at once.
    database_pool_size: int = Field(default=16, ge=1, le=200)
    nats_url: str = "nats://127.0.0.1:4222"
    nats_stream: str = "MERCADO"
    # The token admin endpoints accept.
    admin_token: SecretStr
    log_level: str = "INFO"
    log_json: bool = True
    # Outbox relay and event consumers.
    relay_interval_seconds: float = Field(default=0.5, gt=0)
    consumer_max_deliver: int = Field(default=5, ge=1)
    consumer_ack_wait_seconds: float = Field(default=30, gt=0)
    # What a client may send: body size (413 above it), and how long its headers and each
    # chunk of its body may take to arrive.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    body_timeout_seconds: float = Field(default=10.0, gt=0)
    # Run Alembic migrations at start-up (before serving).
    migrate_on_start: bool = True


def prefixed(prefix: str) -> SettingsConfigDict:
    """The settings config of a service reading ``<prefix><FIELD>`` variables."""
    return SettingsConfigDict(env_prefix=prefix, env_nested_delimiter="__", extra="ignore")
