"""Product listing rules: sort keys, price ranges and search terms (no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class SortKey(StrEnum):
    NAME = "name"
    NAME_DESC = "-name"
    PRICE = "price"
    PRICE_DESC = "-price"
    NEWEST = "newest"


class InvalidQuery(ValueError):
    """A listing query that cannot be answered (the API turns it into a 422)."""


@dataclass(frozen=True)
class ProductQuery:
    text: str | None = None
    category: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool | None = None
    sort: SortKey = SortKey.NAME
    limit: int = 20
    offset: int = 0

    def __post_init__(self) -> None:
        if (
            self.min_price is not None
            and self.max_price is not None
            and self.min_price > self.max_price
        ):
            raise InvalidQuery("min_price must not exceed max_price")


_SPACES = re.compile(r"\s+")


def normalize_search(text: str | None) -> str | None:
    """Trims and collapses whitespace; an empty search means no search."""
    if text is None:
        return None
    cleaned = _SPACES.sub(" ", text).strip().lower()
    return cleaned or None


def search_terms(text: str) -> list[str]:
    """Each word must match (in name or description)."""
    return [t for t in text.split(" ") if t]
