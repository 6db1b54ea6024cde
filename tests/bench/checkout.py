"""P2 checkout: POST /orders → CONFIRMED, measured from the services' own stored timestamps
(the client never polls the order), at a fixed offered load, with a per-hop breakdown; the
same load against the microservices and against the monolith baseline (``monolith.py``).

The load generator is asyncio + aiohttp, open loop: one POST every ``1/rate`` seconds
whatever the shop's answer time, which is how shoppers arrive. Timestamps are read from the
services' SQLite files after the run (readers take no lock in WAL mode).
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from tests.bench.stats import percentile
from tests.support.apps import ADMIN, GATEWAY
from tests.support.processes import NatsServer, ServiceProcess, accepting, free_port, wait_for
from tests.support.shop import card

NAMES = ("catalog", "inventory", "bank", "payment", "orders")


class Topology:
    """NATS plus either the five services as processes or the monolith as one."""

    def __init__(self, root: Path, kind: str) -> None:
        self.root = root
        self.kind = kind
        self.ports = {n: free_port() for n in NAMES}
        self.stack = ExitStack()
        self.pids: dict[str, int] = {}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def db(self, name: str) -> Path:
        return self.root / f"{name}.db"

    def __enter__(self) -> Topology:
        logs = self.root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        nats = NatsServer(self.root / "nats")
        nats.start()
        self.stack.callback(nats.stop)
        if self.kind == "microservices":
            self._services(nats.url, logs)
        else:
            self._monolith(nats.url, logs)
        return self

    def _services(self, nats: str, logs: Path) -> None:
        env: dict[str, dict[str, str]] = {
            "catalog": {},
            "inventory": {},
            "bank": {},
            "payment": {"BANK__URL": self.url("bank")},
            "orders": {
                n.upper() + "__URL": self.url(n) for n in ("catalog", "inventory", "payment")
            },
        }
        services = []
        for name, extra in env.items():
            svc = ServiceProcess(
                name,
                {
                    "DATABASE_URL": f"sqlite+aiosqlite:///{self.db(name)}",
                    "NATS_URL": nats,
                    "LOG_LEVEL": "WARNING",
                    **extra,
                },
                logs,
                port=self.ports[name],
            )
            svc.start(wait=False)
            self.stack.callback(svc.stop)
            services.append(svc)
        for svc in services:
            svc.wait_ready(180)
            assert svc.proc is not None
            self.pids[svc.name] = svc.proc.pid

    def _monolith(self, nats: str, logs: Path) -> None:
        with (logs / "monolith.log").open("ab") as log:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.bench.monolith",
                    "--root",
                    str(self.root),
                    "--nats",
                    nats,
                    "--ports",
                    ",".join(f"{n}={p}" for n, p in self.ports.items()),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )

        def stop() -> None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)

        self.stack.callback(stop)
        wait_for(lambda: all(accepting(p) for p in self.ports.values()), 180, 0.2, "monolith")
        import httpx

        wait_for(
            lambda: all(httpx.get(self.url(n) + "/readyz").status_code == 200 for n in NAMES),
            180,
            0.2,
            "monolith ready",
        )
        self.pids["monolith"] = proc.pid

    def __exit__(self, *exc: object) -> None:
        self.stack.close()


async def _product(http: aiohttp.ClientSession, t: Topology, stock: int) -> str:
    await http.post(
        f"{t.url('catalog')}/categories", headers=ADMIN, json={"slug": "bench", "name": "Bench"}
    )
    sku = f"BENCH-{uuid.uuid4().hex[:8].upper()}"
    body = {
        "sku": sku,
        "name": "Bench item",
        "category": "bench",
        "price": {"amount": 100, "currency": "EUR"},
    }
    async with http.post(f"{t.url('catalog')}/products", headers=ADMIN, json=body) as r:
        product_id = str((await r.json())["id"])
    # Inventory stocks the SKU once the catalog's product.created has reached it (404 before).
    for _ in range(600):
        async with http.post(
            f"{t.url('inventory')}/stock/{sku}/adjustments", headers=ADMIN, json={"delta": stock}
        ) as r:
            if r.status != 404:
                r.raise_for_status()
                return product_id
        await asyncio.sleep(0.1)
    raise TimeoutError(f"inventory never learnt of {sku}")


async def _post(http: aiohttp.ClientSession, t: Topology, product_id: str) -> tuple[str, float]:
    body = {
        "customer": {"email": "bench@example.com"},
        "lines": [{"product_id": product_id, "quantity": 1}],
        "payment": card(),
    }
    start = time.perf_counter()
    async with http.post(
        f"{t.url('orders')}/orders",
        json=body,
        headers={**GATEWAY, "Idempotency-Key": str(uuid.uuid4())},
    ) as r:
        r.raise_for_status()
        order_id = str((await r.json())["id"])
    return order_id, time.perf_counter() - start


def _query(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return conn.execute(sql, args).fetchall()


def _unfinished(t: Topology, ids: list[str]) -> int:
    rows = _query(t.db("orders"), "SELECT id, status FROM orders")
    final = {i for i, s in rows if s in ("CONFIRMED", "CANCELLED")}
    return sum(1 for i in ids if i not in final)


async def offered_load(t: Topology, rate: float, seconds: float) -> dict[str, Any]:
    count = max(1, round(rate * seconds))
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        product_id = await _product(http, t, count + 20)
        for _ in range(3):  # warm-up, sequential
            order_id, _ = await _post(http, t, product_id)
            while _unfinished(t, [order_id]):
                await asyncio.sleep(0.2)
        begin = time.perf_counter()

        async def at(i: int) -> tuple[str, float]:
            await asyncio.sleep(max(0.0, begin + i / rate - time.perf_counter()))
            return await _post(http, t, product_id)

        posted = await asyncio.gather(*(at(i) for i in range(count)))
    ids = [i for i, _ in posted]
    deadline = time.monotonic() + 120
    while _unfinished(t, ids) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    return _figures(t, ids, [p for _, p in posted], rate)


def _ts(value: str | None) -> float | None:
    return datetime.fromisoformat(value).timestamp() if value else None


HOPS = (
    ("order stored → reserved", "created", "reserved"),
    ("reserved → payment stored", "reserved", "payment_created"),
    ("payment stored → bank authorized", "payment_created", "authorized"),
    ("bank authorized → payment recorded", "authorized", "paid"),
    ("payment recorded → stock committed", "paid", "committed"),
    ("stock committed → order CONFIRMED", "committed", "confirmed"),
)


def _figures(t: Topology, ids: list[str], posts: list[float], rate: float) -> dict[str, Any]:
    marks: dict[str, dict[str, float | None]] = {i: {} for i in ids}
    for oid, status, created, updated in _query(
        t.db("orders"), "SELECT id, status, created_at, updated_at FROM orders"
    ):
        if oid in marks:
            marks[oid].update(
                created=_ts(created), confirmed=_ts(updated) if status == "CONFIRMED" else None
            )
    for oid, created, updated in _query(
        t.db("inventory"), "SELECT order_id, created_at, updated_at FROM reservations"
    ):
        if oid in marks:
            marks[oid].update(reserved=_ts(created), committed=_ts(updated))
    for oid, created, updated in _query(
        t.db("payment"), "SELECT order_id, created_at, updated_at FROM payments"
    ):
        if oid in marks:
            marks[oid].update(payment_created=_ts(created), paid=_ts(updated))
    for ref, created in _query(t.db("bank"), "SELECT reference, created_at FROM authorizations"):
        if ref in marks:
            marks[ref].update(authorized=_ts(created))
    done = [m for m in marks.values() if m.get("confirmed") is not None]
    total = [(m["confirmed"] - m["created"]) * 1000 for m in done]  # type: ignore[operator]
    hops = {}
    for name, a, b in HOPS:
        values = [(m[b] - m[a]) * 1000 for m in done if m.get(a) and m.get(b)]  # type: ignore[operator]
        hops[name] = percentile(values, 50) if values else None
    span = (
        max(m["confirmed"] for m in done) - min(m["created"] for m in done)  # type: ignore[type-var,operator]
        if done
        else 0.0
    )
    return {
        "offered_per_s": rate,
        "orders": len(ids),
        "confirmed": len(done),
        "checkouts_per_s": len(done) / span if span else None,
        "p50_ms": percentile(total, 50) if total else None,
        "p99_ms": percentile(total, 99) if total else None,
        "post_p50_ms": percentile([p * 1000 for p in posts], 50),
        "hops_p50_ms": hops,
    }


def run_checkout(root: Path, rate: float, seconds: float) -> dict[str, dict[str, Any]]:
    results = {}
    for kind in ("microservices", "monolith"):
        with Topology(root / kind, kind) as t:
            results[kind] = asyncio.run(offered_load(t, rate, seconds))
        r = results[kind]
        print(
            f"  P2 {kind:<13} {r['confirmed']}/{r['orders']} confirmed, p50 {r['p50_ms']:.0f} ms,"
            f" p99 {r['p99_ms']:.0f} ms, {r['checkouts_per_s']:.1f} checkouts/s",
            flush=True,
        )
    return results
