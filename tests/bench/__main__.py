"""``python -m tests.bench``: what ``make bench`` runs. Bounded (about 20 minutes with
the defaults on two busy cores), loopback only; writes
``bench-results/<time>/report.{md,json}`` and prints the Markdown table.

    python -m tests.bench [--only reads,checkout,footprint,operator] [--seconds 3] [--rounds 2]
                          [--databases sqlite,postgresql] [--rate 4] [--checkout-seconds 20]
                          [--idle-shops 10] [--shops 20] [--idle-seconds 120]

The operator part starts the Kubernetes test cluster (``tests/k8s/cluster.sh``; set
``MERCADO_K8S_STATE_FILE`` to use a cluster of one's own) unless one already runs.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench.checkout import run_checkout
from tests.bench.footprint import run_footprint
from tests.bench.operator import run_operator
from tests.bench.reads import run_reads
from tests.bench.report import machine, ratios, targets, write
from tests.support.processes import ROOT


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="reads,checkout,footprint,operator")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each read run")
    parser.add_argument("--rounds", type=int, default=2, help="side-by-side rounds per read")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--rate", type=float, default=4.0, help="offered checkouts per second")
    parser.add_argument("--checkout-seconds", type=float, default=20.0)
    # The figures are 50 idle Shops and 100 for memory; on two busy cores the
    # operator made about one Shop Ready per 20-30 s, so the defaults keep the run bounded.
    parser.add_argument("--idle-shops", type=int, default=10, help="Shops left idle (P4)")
    parser.add_argument("--shops", type=int, default=20, help="Shops for the memory figure")
    parser.add_argument("--idle-seconds", type=float, default=120.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-results")
    args = parser.parse_args()
    # A stopped bench still stops every process it started (the ``finally`` blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parts = args.only.split(",")
    started = datetime.now(UTC)
    clock = time.monotonic()
    report: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "machine": machine(),
    }
    with tempfile.TemporaryDirectory(prefix="mercado-bench-") as tmp:
        root = Path(tmp)
        if "footprint" in parts:
            print("P5 footprint", flush=True)
            report["footprint"] = run_footprint(root / "footprint", args.seconds)
        if "reads" in parts:
            print("P1 reads", flush=True)
            report["reads"] = run_reads(
                root / "reads", args.databases.split(","), args.seconds, args.rounds
            )
            report["ratios"] = ratios(report["reads"])
        if "checkout" in parts:
            print("P2 checkout", flush=True)
            report["checkout"] = run_checkout(root / "checkout", args.rate, args.checkout_seconds)
        if "operator" in parts:
            print("P3/P4 operator", flush=True)
            report["operator"] = run_operator(
                root / "operator", args.idle_shops, args.shops, args.idle_seconds
            )
    report["load_average_at_end"] = os.getloadavg()
    report["targets"] = targets(report)
    report["seconds"] = time.monotonic() - clock
    path = write(report, args.out / started.strftime("%Y%m%dT%H%M%SZ"))
    print()
    print(path.read_text())
    print(f"written: {path} and report.json next to it ({report['seconds']:.0f} s)")


if __name__ == "__main__":
    main()
