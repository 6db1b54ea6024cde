from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mercado_catalog.api.schemas import Product, product_body
from mercado_catalog.domain.products import ProductRecord
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


def _stored(available: int | None) -> ProductRecord:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    return ProductRecord(
        id="p1",
        sku="MUG-1",
        name="Mug",
        description="",
        category_id="c1",
        category_slug="kitchen",
        category_name="Kitchen",
        price_amount=1250,
        currency="EUR",
        image_url=None,
        available=available,
        stock_version=0,
        created_at=now,
        updated_at=now,
    )


@pytest.mark.parametrize(("available", "in_stock"), [(None, None), (0, False), (3, True)])
def test_a_stored_product_is_shown_with_its_category_price_and_availability(
    available: int | None, in_stock: bool | None
) -> None:
    shown = Product.from_row(_stored(available)).model_dump(mode="json")
    assert shown["category"] == {"slug": "kitchen", "name": "Kitchen"}
    assert shown["price"] == {"amount": 1250, "currency": "EUR"}
    assert shown["availability"] == {"available": available, "in_stock": in_stock}
    assert shown["created_at"] == "2026-01-02T03:04:05Z"
    assert Product.model_validate(product_body(_stored(available))) == Product.from_row(
        _stored(available)
    )
