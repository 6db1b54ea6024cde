"""P1 reads: catalog's list page and product page at 1, 16 and 64 connections, next to the
bare FastAPI baseline (same JSON, same response models, same uvicorn settings) and through
the gateway, on SQLite (local mode) and on PostgreSQL (the Kubernetes path).

Runs are interleaved (catalog, bare, gateway for each page and connection count) so that
a machine busy with other work slows both sides of a ratio alike.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tests.bench.wrk import run_wrk
from tests.support.postgres import PostgresServer
from tests.support.processes import (
    NatsServer,
    ServiceProcess,
    accepting,
    free_port,
    seed_demo,
    wait_for,
)

CONNECTIONS = (1, 16, 64)
ADMIN_TOKEN = "admin-dev-token"


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


class ReadTargets:
    """NATS, catalog and inventory (for the demo seed), the gateway and the bare app."""

    def __init__(self, root: Path, database: str) -> None:
        self.root = root
        self.database = database
        self.stack = ExitStack()
        self.bare: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ReadTargets:
        logs = self.root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        urls = {
            n: f"sqlite+aiosqlite:///{self.root / (n + '.db')}" for n in ("catalog", "inventory")
        }
        if self.database == "postgresql":
            pg = PostgresServer()
            pg.start()
            self.stack.callback(pg.stop)
            urls = {n: pg.create_database(n) for n in urls}
        nats = NatsServer(self.root / "nats")
        nats.start()
        self.stack.callback(nats.stop)
        common = {"NATS_URL": nats.url, "LOG_LEVEL": "WARNING"}
        self.catalog = ServiceProcess("catalog", {"DATABASE_URL": urls["catalog"], **common}, logs)
        # The same database read without the page cache: what every first read costs.
        self.uncached = ServiceProcess(
            "catalog",
            {"DATABASE_URL": urls["catalog"], "PAGE_CACHE_SECONDS": "0", **common},
            logs,
        )
        inventory = ServiceProcess("inventory", {"DATABASE_URL": urls["inventory"], **common}, logs)
        self.gateway = ServiceProcess(
            "gateway", {"CATALOG__URL": self.catalog.url, "LOG_LEVEL": "WARNING"}, logs
        )
        for svc in (self.catalog, inventory, self.gateway):
            svc.start(wait=False)
            self.stack.callback(svc.stop)
        for svc in (self.catalog, inventory, self.gateway):
            svc.wait_ready(180)
        seed_demo(self.catalog.url, inventory.url, ADMIN_TOKEN)
        self.uncached.start(wait=False)
        self.stack.callback(self.uncached.stop)
        self.uncached.wait_ready(180)
        # Stock reaches the catalog through inventory's events: wait until it shows.
        wait_for(
            lambda: all(
                p["availability"]["available"] is not None
                for p in _get(f"{self.catalog.url}/products?limit=100")["items"]
            ),
            120,
            0.5,
            "stock levels on the catalog",
        )
        inventory.stop()
        page = _get(f"{self.catalog.url}/products?limit=20")
        self.product_id = page["items"][0]["id"]
        data = self.root / "page.json"
        data.write_text(json.dumps(page))
        port = free_port()
        self.bare = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.bench.bare_app",
                "--port",
                str(port),
                "--data",
                str(data),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.stack.callback(self._stop_bare)
        wait_for(lambda: accepting(port), 60, what="bare app")
        self.bare_url = f"http://127.0.0.1:{port}"
        same = _get(f"{self.bare_url}/products?limit=20") == page
        if not same:
            raise RuntimeError("the bare app does not return the catalog's page")
        return self

    def _stop_bare(self) -> None:
        if self.bare and self.bare.poll() is None:
            self.bare.terminate()
            self.bare.wait(10)

    def __exit__(self, *exc: object) -> None:
        self.stack.close()

    def pid(self, which: str) -> int:
        proc = {
            "catalog": self.catalog.proc,
            "uncached": self.uncached.proc,
            "gateway": self.gateway.proc,
            "bare": self.bare,
        }[which]
        assert proc is not None
        return proc.pid


def run_reads(
    root: Path, databases: list[str], seconds: float, rounds: int = 1
) -> list[dict[str, Any]]:
    """Every P1 figure: one row per database, page, server, connection count and round
    (each round runs every server once more, so that each ratio has its pairs run side by
    side, and the report takes their median)."""
    rows: list[dict[str, Any]] = []
    for database in databases:
        with ReadTargets(root / database, database) as t:
            pages = {
                "list": "/products?limit=20",
                "product": f"/products/{t.product_id}",
            }
            servers = {
                "catalog": t.catalog.url,
                "uncached": t.uncached.url,
                "bare": t.bare_url,
                "gateway": t.gateway.url + "/api",
            }
            for page, path in pages.items():
                for base in servers.values():  # warm every path once
                    run_wrk(base + path, 4, 1, None)
                for connections in CONNECTIONS:
                    for server, base in [(s, b) for _ in range(rounds) for s, b in servers.items()]:
                        result = run_wrk(base + path, connections, seconds, t.pid(server))
                        row = {
                            "database": database,
                            "page": page,
                            "server": server,
                            "connections": connections,
                            **asdict(result),
                        }
                        rows.append(row)
                        print(
                            f"  P1 {database:<10} {page:<7} {server:<7} c={connections:<3}"
                            f" {result.rps:7.0f} req/s  p50 {result.p50_ms:6.1f} ms"
                            f"  p99 {result.p99_ms:6.1f} ms  errors {result.errors}",
                            flush=True,
                        )
                        time.sleep(0.2)
    return rows
