"""The cost of tracing on one service: catalog's product list with OpenTelemetry's
instrumentation on (FastAPI, SQLAlchemy; spans made and sampled, not exported) and off
(``OTEL_SDK_DISABLED=true``), side by side in one run, interleaved so a busy machine slows
both alike. Prometheus metrics stay on in both.

    python -m tests.bench.instrumentation [--seconds 5] [--rounds 2] [--connections 16]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from tests.bench.wrk import run_wrk
from tests.support.processes import NatsServer, ServiceProcess

ADMIN = {"Authorization": "Bearer admin-dev-token", "Content-Type": "application/json"}


def _post(url: str, body: dict[str, object]) -> None:
    req = urllib.request.Request(url, json.dumps(body).encode(), ADMIN, method="POST")
    with urllib.request.urlopen(req, timeout=10):
        pass


def _seed(url: str) -> None:
    _post(f"{url}/categories", {"slug": "bench", "name": "Bench"})
    for i in range(20):
        _post(
            f"{url}/products",
            {
                "sku": f"BENCH-{i:03d}",
                "name": f"Bench thing {i}",
                "category": "bench",
                "price": {"amount": 100 + i, "currency": "EUR"},
            },
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mercado-otel-bench-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        nats = NatsServer(root / "nats")
        nats.start()
        stack.callback(nats.stop)
        services = {}
        for variant, disabled in (("traced", "false"), ("untraced", "true")):
            svc = ServiceProcess(
                "catalog",
                {
                    "DATABASE_URL": f"sqlite+aiosqlite:///{root / variant}.db",
                    "NATS_URL": nats.url,
                    "LOG_LEVEL": "WARNING",
                    "OTEL_SDK_DISABLED": disabled,
                },
                root,
            )
            svc.start(wait=False)
            stack.callback(svc.stop)
            services[variant] = svc
        for svc in services.values():
            svc.wait_ready(180)
            _seed(svc.url)
        figures: dict[str, list[float]] = {v: [] for v in services}
        for _ in range(args.rounds):
            for variant, svc in services.items():
                assert svc.proc is not None
                result = run_wrk(
                    f"{svc.url}/products?limit=20", args.connections, args.seconds, svc.proc.pid
                )
                figures[variant].append(result.rps)
        print(f"catalog GET /products?limit=20, {args.connections} connections, wrk -t1")
        for variant, values in figures.items():
            runs = ", ".join(f"{v:.0f}" for v in values)
            print(f"{variant:9s} {sum(values) / len(values):8.0f} req/s (runs: {runs})")
        traced = sum(figures["traced"]) / len(figures["traced"])
        untraced = sum(figures["untraced"]) / len(figures["untraced"])
        print(f"tracing costs {100 * (1 - traced / untraced):.1f}% of the throughput")


if __name__ == "__main__":
    main()
