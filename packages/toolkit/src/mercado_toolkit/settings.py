"""Settings shared by every service; each service subclasses with its own env prefix."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Base settings. A service subclass sets ``model_config`` with its ``env_prefix``.

    Built in the app factory, never at import time.
    """

    model_config = SettingsConfigDict(env_prefix="MERCADO_", extra="ignore")

    service_name: str = "service"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    database_url: str = "sqlite+aiosqlite:///./service.db"
    # Database connections each process keeps open: about the requests it serves at once.
    database_pool_size: int = Field(default=16, ge=1, le=200)
    nats_url: str = "nats://127.0.0.1:4222"
    nats_stream: str = "MERCADO"
    admin_token: SecretStr = SecretStr("admin-dev-token")
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
