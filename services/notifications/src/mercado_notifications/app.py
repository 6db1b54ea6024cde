"""The notifications application factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from mercado_notifications.api import notifications
from mercado_notifications.events.handlers import Notifier, subscriptions
from mercado_notifications.settings import NotificationsSettings
from mercado_notifications.store.tables import metadata
from mercado_toolkit.app import ServiceSpec, create_service_app
from mercado_toolkit.events.outbox import Outbox

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    notifier = Notifier(settings, Outbox(metadata.tables["outbox"], "notifications"))
    return create_service_app(
        ServiceSpec(
            name="notifications",
            title="Mercado notifications",
            settings=settings,
            metadata=metadata,
            migrations=MIGRATIONS,
            routers=[notifications.router],
            subscriptions=subscriptions(notifier),
        )
    )
