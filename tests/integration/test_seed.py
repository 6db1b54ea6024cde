"""Seeding (`mercado seed`) against real catalog and inventory processes: inventory stocks
only the SKUs the catalog announced, so the seed waits for each announcement instead of
creating stock for a SKU inventory does not know."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import httpx
import pytest

from tests.support.apps import ADMIN
from tests.support.processes import NatsServer, ServiceProcess, wait_for


@dataclass
class Pair:
    nats: NatsServer
    catalog: ServiceProcess
    inventory: ServiceProcess


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    nats = NatsServer(tmp_path / "nats")
    nats.start()
    env = {"NATS_URL": nats.url}
    catalog = ServiceProcess(
        "catalog", {**env, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"}, tmp_path
    )
    inventory = ServiceProcess(
        "inventory", {**env, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'i.db'}"}, tmp_path
    )
    started = [catalog.start(wait=False), inventory.start(wait=False)]
    try:
        for svc in started:
            svc.wait_ready(120)
        yield Pair(nats, catalog, inventory)
    finally:
        for svc in started:
            svc.stop()
        nats.stop()


def _demo_stock() -> dict[str, int]:
    text = resources.files("mercado_cli").joinpath("data/demo_catalog.json").read_text("utf-8")
    return {p["sku"]: p["stock"] for p in json.loads(text)["products"]}


def test_seed_waits_until_inventory_knows_each_product(pair: Pair) -> None:
    # NATS is down: the catalog keeps its product.created events in its outbox, so
    # inventory hears of the demo products only once NATS is back.
    pair.nats.stop()
    seed = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mercado_cli.main",
            "seed",
            "--catalog-url",
            pair.catalog.url,
            "--inventory-url",
            pair.inventory.url,
            "--admin-token",
            ADMIN["Authorization"].removeprefix("Bearer "),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    demo = _demo_stock()
    try:
        with httpx.Client(timeout=30) as http:

            def products() -> int:
                return int(http.get(f"{pair.catalog.url}/products").json()["total"])

            def created_or_gave_up() -> bool:
                return seed.poll() is not None or products() == len(demo)

            wait_for(created_or_gave_up, 120, what="the demo products")
            # The seed is asking to stock them meanwhile: refused, nothing invented.
            sku = next(iter(demo))
            r = http.post(
                f"{pair.inventory.url}/stock/{sku}/adjustments", json={"delta": 1}, headers=ADMIN
            )
            assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_sku", r.text
            assert http.get(f"{pair.inventory.url}/stock").json()["total"] == 0
            assert seed.poll() is None, "the seed gave up instead of waiting"
            pair.nats.start()
            out, _ = seed.communicate(timeout=120)
            assert seed.returncode == 0, out.decode()
            page = http.get(f"{pair.inventory.url}/stock", params={"limit": 100}).json()
    finally:
        if seed.poll() is None:
            seed.kill()
    assert {s["sku"]: s["available"] for s in page["items"]} == demo
