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


@pytest.mark.parametrize(
    ("lines", "reason"),
    [
        ([], "at least one line is required"),
        ([("A", 0)], "quantity for A must be positive"),
        ([("A", 2), ("B", -1)], "quantity for B must be positive"),
    ],
)
def test_bad_lines_are_refused_with_the_reason(lines: list[tuple[str, int]], reason: str) -> None:
    with pytest.raises(InvalidLines) as refused:
        normalize_lines(lines)
    assert str(refused.value) == reason


def test_low_stock_fires_only_on_crossing() -> None:
    assert crossed_below(5, 4, 5)
    assert not crossed_below(4, 3, 5)  # already low
    assert not crossed_below(9, 6, 5)
    assert not crossed_below(3, 8, 5)  # restocked
    assert not crossed_below(6, 5, 5)  # down to the threshold, not below it


def test_only_active_or_committed_can_commit() -> None:
    assert can_commit(Status.ACTIVE) and can_commit(Status.COMMITTED)
    assert not can_commit(Status.RELEASED) and not can_commit(Status.EXPIRED)
