from __future__ import annotations

import pytest

from mercado_inventory.domain.reservations import (
    InvalidLines,
    Line,
    Status,
    can_commit,
    crossed_below,
    normalize_lines,
)


def test_lines_are_merged_and_sorted() -> None:
    assert normalize_lines([("B", 1), ("A", 2), ("B", 3)]) == [Line("A", 2), Line("B", 4)]


@pytest.mark.parametrize("lines", [[], [("A", 0)], [("A", -1)]])
def test_bad_lines_are_refused(lines: list[tuple[str, int]]) -> None:
    with pytest.raises(InvalidLines):
        normalize_lines(lines)


def test_low_stock_fires_only_on_crossing() -> None:
    assert crossed_below(5, 4, 5)
    assert not crossed_below(4, 3, 5)  # already low
    assert not crossed_below(9, 6, 5)
    assert not crossed_below(3, 8, 5)  # restocked


def test_only_active_or_committed_can_commit() -> None:
    assert can_commit(Status.ACTIVE) and can_commit(Status.COMMITTED)
    assert not can_commit(Status.RELEASED) and not can_commit(Status.EXPIRED)
