"""``python -m mercado_topology``: the rollout order, and the charts' generated files.

python -m mercado_topology order          the components, dependencies first
python -m mercado_topology charts [ROOT]  (re)writes the charts' generated files
python -m mercado_topology check [ROOT]   exits 1 when a generated file is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mercado_topology.chart_files import stale, write
from mercado_topology.shop import SHOP


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mercado_topology")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("order", help="print the rollout order, dependencies first")
    for name, text in (("charts", "write the generated chart files"), ("check", "check them")):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("root", nargs="?", default=".", type=Path, help="the repository root")
    args = parser.parse_args(argv)
    if args.command == "order":
        print("\n".join(SHOP.rollout_order()))
        return 0
    if args.command == "charts":
        for path in write(SHOP, args.root):
            print(f"wrote {path}")
        return 0
    outdated = stale(SHOP, args.root)
    for path in outdated:
        print(f"stale: {path} (run `make charts`)", file=sys.stderr)
    return 1 if outdated else 0


if __name__ == "__main__":
    raise SystemExit(main())
