"""``python -m mercado_observability generate|check|rules``.

- ``generate``: writes the dashboards and rules into the repository;
- ``check``: fails when a committed generated file is stale;
- ``rules [--runbook-base-url URL]``: prints the rules file with its runbook links under
  ``URL`` (where you publish observability/runbooks/), for a Prometheus of your own.
"""

from __future__ import annotations

import argparse
import sys

from mercado_observability.generate import rules_text, stale, write
from mercado_observability.rules import DEFAULT_RUNBOOK_BASE_URL
from mercado_observability.schema import repo_root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mercado_observability")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("generate", help="write the dashboards and rules into the repository")
    commands.add_parser("check", help="fail when a generated file is stale")
    rules = commands.add_parser("rules", help="print the rules file")
    rules.add_argument(
        "--runbook-base-url",
        default=DEFAULT_RUNBOOK_BASE_URL,
        help=f"where observability/runbooks/ is published (default {DEFAULT_RUNBOOK_BASE_URL})",
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    root = repo_root()
    if args.command in (None, "generate"):
        for path in write(root):
            print(f"wrote {path.relative_to(root)}")
        return 0
    if args.command == "check":
        old = stale(root)
        for path in old:
            print(f"stale: {path.relative_to(root)} (run `make generate`)", file=sys.stderr)
        return 1 if old else 0
    sys.stdout.write(rules_text(args.runbook_base_url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
