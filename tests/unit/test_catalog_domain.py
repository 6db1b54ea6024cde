from __future__ import annotations

import pytest

from mercado_catalog.domain.queries import (
    InvalidQuery,
    ProductQuery,
    normalize_search,
    search_terms,
)


def test_price_range_must_be_ordered() -> None:
    with pytest.raises(InvalidQuery):
        ProductQuery(min_price=500, max_price=100)
    assert ProductQuery(min_price=100, max_price=100).max_price == 100


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), ("", None), ("   ", None), ("  Red   MUG ", "red mug"), ("a\tb", "a b")],
)
def test_search_text_is_normalized(raw: str | None, expected: str | None) -> None:
    assert normalize_search(raw) == expected


def test_every_word_is_a_term() -> None:
    assert search_terms("red mug") == ["red", "mug"]
