"""The order a mutant's tests run in during ``make mutation``."""

from __future__ import annotations

from tests.mutation.fastfirst import order


def test_cheapest_module_first_and_each_module_kept_together() -> None:
    nodeids = [
        "tests/slow.py::a",
        "tests/fast.py::x",
        "tests/slow.py::b",
        "tests/fast.py::y",
    ]
    durations = {
        "tests/slow.py::a": 20.0,
        "tests/slow.py::b": 1.0,
        "tests/fast.py::x": 0.5,
        "tests/fast.py::y": 0.1,
    }
    ran = [nodeids[p] for p in order(nodeids, durations)]
    assert ran == ["tests/fast.py::y", "tests/fast.py::x", "tests/slow.py::b", "tests/slow.py::a"]


def test_an_unmeasured_test_runs_after_the_measured_ones_and_nothing_is_lost() -> None:
    nodeids = ["tests/m.py::new", "tests/m.py::old"]
    ran = [nodeids[p] for p in order(nodeids, {"tests/m.py::old": 3.0})]
    assert ran == ["tests/m.py::old", "tests/m.py::new"]
    assert order(["tests/m.py::a"], {}) == [0]
