"""``python -m tests.mutation.diffs NAME...`` (run in a target's staging folder): each named
mutant's diff against the original function, as ``mutmut show`` prints it."""

from __future__ import annotations

import sys

from mutmut.mutation.diff_apply import get_diff_for_mutant


def main(names: list[str]) -> None:
    for name in names:
        print(f"# {name}")
        print(get_diff_for_mutant(name))
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
