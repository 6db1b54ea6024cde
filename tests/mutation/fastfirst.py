"""A pytest plugin for mutation runs (``-p tests.mutation.fastfirst``): a mutant's tests run
cheapest module first and, within a module, shortest test first, from the durations mutmut
measured on the clean code (``mutmut-stats.json`` in the folder the tests run in).

mutmut stops at a mutant's first failing test, so a mutant that a short test kills no
longer waits for the long ones; and keeping each module's tests together sets its
module-scoped services up once per mutant instead of once per stretch of its tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

STATS = Path("mutmut-stats.json")


def _durations() -> dict[str, float]:
    if not STATS.exists():  # mutmut's first (measuring) run
        return {}
    return {k: float(v) for k, v in json.loads(STATS.read_text())["duration_by_test"].items()}


def order(nodeids: list[str], durations: dict[str, float]) -> list[int]:
    """The positions of ``nodeids`` in running order (unmeasured tests count as slow)."""
    unknown = max(durations.values(), default=0.0) + 1.0

    def cost(nodeid: str) -> float:
        return durations.get(nodeid, unknown)

    module_cost: dict[str, float] = {}
    for nodeid in nodeids:
        module = nodeid.split("::", 1)[0]
        module_cost[module] = module_cost.get(module, 0.0) + cost(nodeid)

    def key(position: int) -> tuple[float, str, float, int]:
        nodeid = nodeids[position]
        module = nodeid.split("::", 1)[0]
        return (module_cost[module], module, cost(nodeid), position)

    return sorted(range(len(nodeids)), key=key)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    durations = _durations()
    if not durations:
        return
    positions = order([item.nodeid for item in items], durations)
    items[:] = [items[p] for p in positions]
