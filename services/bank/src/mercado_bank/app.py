"""The bank simulator application factory."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from mercado_bank.api import authorizations, cards, faults
from mercado_bank.domain.authorizations import Faults
from mercado_bank.settings import BankSettings
from mercado_bank.store.tables import metadata
from mercado_toolkit.app import ServiceSpec, create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: BankSettings | None = None) -> FastAPI:
    settings = settings or BankSettings()
    app = create_service_app(
        ServiceSpec(
            name="bank",
            title="Mercado bank simulator",
            settings=settings,
            metadata=metadata,
            migrations=MIGRATIONS,
            routers=[authorizations.router, cards.router, faults.router],
        )
    )
    app.state.faults = Faults(settings.latency_ms, settings.failure_rate)
    return app
