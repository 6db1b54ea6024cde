"""``python -m mercado_observability generate|check``."""

from __future__ import annotations

import sys

from mercado_observability.generate import stale, write
from mercado_observability.schema import repo_root


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "generate"
    root = repo_root()
    if command == "generate":
        for path in write(root):
            print(f"wrote {path.relative_to(root)}")
        return 0
    if command == "check":
        old = stale(root)
        for path in old:
            print(f"stale: {path.relative_to(root)} (run `make generate`)", file=sys.stderr)
        return 1 if old else 0
    print("usage: python -m mercado_observability generate|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
