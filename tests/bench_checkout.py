"""Checkout latency: N sequential orders, each from ``POST /orders`` until CONFIRMED.

    python -m tests.bench_checkout              # against `mercado up` on the default ports
    python -m tests.bench_checkout --spawn      # starts its own shop as real processes

Prints p50/p90/p99 of the POST itself and of the whole checkout (the saga: reserve, charge
at the bank through payment, commit). Nothing is asserted: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.support.apps import ADMIN
from tests.support.shop import Shop, card

FINAL = ("CONFIRMED", "CANCELLED")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


async def one(http: httpx.AsyncClient, orders_url: str, product_id: str) -> tuple[float, float]:
    body = {
        "customer": {"email": "bench@example.com"},
        "lines": [{"product_id": product_id, "quantity": 1}],
        "payment": card(),
    }
    start = time.perf_counter()
    r = await http.post(
        f"{orders_url}/orders", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    posted = time.perf_counter() - start
    r.raise_for_status()
    order: dict[str, Any] = r.json()
    while order["status"] not in FINAL:
        await asyncio.sleep(0.005)
        order = (await http.get(f"{orders_url}/orders/{order['id']}")).json()
    if order["status"] != "CONFIRMED":
        raise RuntimeError(f"order {order['id']} ended {order['status']}")
    return posted, time.perf_counter() - start


async def bench(catalog: str, inventory: str, orders: str, count: int) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        await http.post(
            f"{catalog}/categories", headers=ADMIN, json={"slug": "bench", "name": "Bench"}
        )
        sku = f"BENCH-{uuid.uuid4().hex[:8].upper()}"
        r = await http.post(
            f"{catalog}/products",
            headers=ADMIN,
            json={
                "sku": sku,
                "name": "Bench item",
                "category": "bench",
                "price": {"amount": 100, "currency": "EUR"},
            },
        )
        r.raise_for_status()
        product_id = r.json()["id"]
        r = await http.post(
            f"{inventory}/stock/{sku}/adjustments", headers=ADMIN, json={"delta": count + 10}
        )
        r.raise_for_status()
        await one(http, orders, product_id)  # warm-up
        posts, totals = [], []
        started = time.perf_counter()
        for _ in range(count):
            posted, total = await one(http, orders, product_id)
            posts.append(posted)
            totals.append(total)
        elapsed = time.perf_counter() - started
    print(f"{count} sequential checkouts in {elapsed:.1f}s ({count / elapsed:.1f}/s)")
    for name, values in (("POST /orders", posts), ("checkout to CONFIRMED", totals)):
        ms = [v * 1000 for v in values]
        print(
            f"{name:<22} p50 {percentile(ms, 50):7.1f} ms   p90 {percentile(ms, 90):7.1f} ms"
            f"   p99 {percentile(ms, 99):7.1f} ms   mean {statistics.fmean(ms):7.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--spawn", action="store_true", help="start a shop of its own")
    parser.add_argument("--catalog", default="http://127.0.0.1:8101")
    parser.add_argument("--inventory", default="http://127.0.0.1:8102")
    parser.add_argument("--orders", default="http://127.0.0.1:8103")
    args = parser.parse_args()
    if not args.spawn:
        asyncio.run(bench(args.catalog, args.inventory, args.orders, args.count))
        return
    with tempfile.TemporaryDirectory() as tmp:
        shop = Shop(Path(tmp)).start()
        try:
            asyncio.run(
                bench(shop.url("catalog"), shop.url("inventory"), shop.url("orders"), args.count)
            )
        finally:
            shop.stop()


if __name__ == "__main__":
    main()
