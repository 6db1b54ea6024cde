"""Notifications settings (environment prefix ``MERCADO_NOTIFICATIONS_``)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from mercado_toolkit.settings import ServiceSettings, prefixed


class NotificationsSettings(ServiceSettings):
    model_config = prefixed("MERCADO_NOTIFICATIONS_")

    port: int = 8105
    database_url: str = "sqlite+aiosqlite:///./data/notifications.db"

    # Outgoing mail (local mode runs an SMTP server that keeps what it receives).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8125, ge=1, le=65535)
    smtp_from: str = "Mercado <shop@mercado.local>"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    # Right-hand side of the Message-ID derived from each event id.
    message_id_domain: str = "mercado.local"
    # Who gets the low-stock alerts.
    admin_email: str = "admin@mercado.local"
    shop_name: str = "Mercado"
    # An event whose mail cannot be handed to SMTP is retried with back-off (capped at 30 s)
    # this many times before it is dead-lettered: about 20 minutes of SMTP outage.
    consumer_max_deliver: int = Field(default=50, ge=1)
