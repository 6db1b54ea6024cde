"""The payment application factory."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI

from mercado_payment.api import card_tokens, payments
from mercado_payment.clients.bank import BankClient
from mercado_payment.operations.settle import settle_due
from mercado_payment.settings import PaymentSettings
from mercado_payment.store.tables import metadata
from mercado_toolkit.app import ServiceSpec, create_service_app
from mercado_toolkit.http_client import ServiceClient
from mercado_toolkit.runtime import Runtime

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: PaymentSettings | None = None) -> FastAPI:
    settings = settings or PaymentSettings()

    async def connect_bank(rt: Runtime) -> None:
        rt.provide(BankClient(ServiceClient.to("payment", "bank", settings.bank, rt.http)))

    async def settle_loop(rt: Runtime) -> None:
        """Settles PENDING payments by asking the bank under their own key."""
        bank = rt.part(BankClient)
        while True:
            await settle_due(
                rt, bank, settings.settle_interval_seconds, settings.settle_close_after_seconds
            )
            await asyncio.sleep(settings.settle_interval_seconds)

    return create_service_app(
        ServiceSpec(
            name="payment",
            title="Mercado payment",
            settings=settings,
            metadata=metadata,
            migrations=MIGRATIONS,
            routers=[payments.router, card_tokens.router],
            on_start=[connect_bank],
            loops=[settle_loop],
        )
    )
