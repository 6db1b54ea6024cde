"""Pagination parameters and the page envelope every list endpoint returns."""

from __future__ import annotations

from typing import Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

from mercado_contracts.limits import MAX_OFFSET

T = TypeVar("T")

MAX_LIMIT = 100


class PageParams(BaseModel):
    limit: int
    offset: int


async def page_params(
    limit: int = Query(20, ge=1, le=MAX_LIMIT, description="page size"),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description="items to skip"),
) -> PageParams:
    """Async, so FastAPI calls it on the event loop rather than in its thread pool."""
    return PageParams(limit=limit, offset=offset)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
