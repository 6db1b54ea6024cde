"""Local mode figures: time from ``mercado up`` to all ready and seeded, read throughput of
catalog, inventory and the gateway under 16 concurrent connections, and time to stop.

    python -m tests.bench_local_mode [--seconds 5] [--concurrency 16]

Starts ``mercado up`` on free loopback ports in a temporary data folder; load is bounded in
time and stays on 127.0.0.1. Nothing is asserted: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from mercado_cli.services import SERVICES
from tests.bench_checkout import percentile
from tests.support.processes import free_port


async def load(url: str, seconds: float, concurrency: int) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as http:

        async def worker() -> None:
            nonlocal errors
            while time.monotonic() < deadline:
                start = time.perf_counter()
                async with http.get(url) as resp:
                    await resp.read()
                    if resp.status != 200:
                        errors += 1
                latencies.append(time.perf_counter() - start)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(latencies), latencies, errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    ports = {p.name: free_port() for p in SERVICES}
    with tempfile.TemporaryDirectory(prefix="mercado-bench-") as tmp:
        log_path = Path(tmp) / "up.log"
        started = time.monotonic()
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "mercado_cli.main",
                    "up",
                    "--data-dir",
                    f"{tmp}/data",
                    *(f"--port={n}={p}" for n, p in ports.items()),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "COLUMNS": "200"},
            )
        try:
            while b"Mercado is up" not in log_path.read_bytes():
                if proc.poll() is not None or time.monotonic() - started > 300:
                    sys.exit("mercado up failed:\n" + log_path.read_text()[-3000:])
                time.sleep(0.05)
            up = time.monotonic() - started
            print(f"mercado up: all {len(SERVICES)} processes ready and demo seeded in {up:.1f} s")
            targets = {
                "catalog GET /products?limit=20": f"http://127.0.0.1:{ports['catalog']}/products?limit=20",
                "inventory GET /stock/BK-001": f"http://127.0.0.1:{ports['inventory']}/stock/BK-001",
                "gateway GET /api/products?limit=20": f"http://127.0.0.1:{ports['gateway']}/api/products?limit=20",
            }
            for name, url in targets.items():
                count, lat, errors = asyncio.run(load(url, args.seconds, args.concurrency))
                print(
                    f"{name}: {count / args.seconds:.0f} req/s, p50 "
                    f"{percentile(lat, 50) * 1000:.0f} ms, p99 {percentile(lat, 99) * 1000:.0f} ms,"
                    f" {errors} errors ({args.concurrency} connections, {args.seconds:.0f} s)"
                )
        finally:
            stop = time.monotonic()
            proc.send_signal(signal.SIGINT)
            code = proc.wait(120)
            print(f"mercado up: stopped in {time.monotonic() - stop:.1f} s (exit code {code})")


if __name__ == "__main__":
    main()
