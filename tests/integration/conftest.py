"""Catalog and inventory served in-process with their real lifespan, DB and NATS; the
whole shop as real processes for the checkout tests (one per module)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from mercado_catalog.app import create_app as create_catalog
from mercado_catalog.settings import CatalogSettings
from mercado_inventory.app import create_app as create_inventory
from mercado_inventory.settings import InventorySettings
from tests.support.apps import dev_settings, serve_in_process
from tests.support.processes import NatsServer
from tests.support.shop import Shop


@pytest.fixture
async def catalog(database_url: str, nats: NatsServer) -> AsyncIterator[httpx.AsyncClient]:
    settings = dev_settings(
        CatalogSettings, "catalog", database_url=database_url, nats_url=nats.url, log_json=False
    )
    async with serve_in_process(create_catalog(settings), "http://catalog") as client:
        yield client


@pytest.fixture
async def inventory(database_url: str, nats: NatsServer) -> AsyncIterator[httpx.AsyncClient]:
    settings = dev_settings(
        InventorySettings,
        "inventory",
        database_url=database_url,
        nats_url=nats.url,
        log_json=False,
        expiry_interval_seconds=0.2,
    )
    async with serve_in_process(create_inventory(settings), "http://inventory") as client:
        yield client


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    running = Shop(tmp_path_factory.mktemp("shop")).start()
    yield running
    running.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=60) as client:
        yield client
