"""Public ``/api/products`` and ``/api/categories``: read-only, routed to catalog."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response

from mercado_contracts.money import MAX_AMOUNT
from mercado_gateway.api.deps import BackendsDep
from mercado_gateway.api.relay import relay
from mercado_gateway.domain.routing import ID_PATTERN, ProductSort, query_params
from mercado_toolkit.errors import errors
from mercado_toolkit.pagination import PageParams, page_params

router = APIRouter(prefix="/api", tags=["catalog"], responses=errors(404, 422, 502, 503))

Page = Annotated[PageParams, Depends(page_params)]


@router.get("/products")
async def list_products(
    backends: BackendsDep,
    page: Page,
    q: Annotated[str | None, Query(max_length=200, description="text search")] = None,
    category: Annotated[str | None, Query(max_length=80, description="category slug")] = None,
    min_price: Annotated[int | None, Query(ge=0, le=MAX_AMOUNT, description="minor units")] = None,
    max_price: Annotated[int | None, Query(ge=0, le=MAX_AMOUNT, description="minor units")] = None,
    in_stock: bool | None = None,
    sort: ProductSort = ProductSort.NAME,
) -> Response:
    """Products with price and availability, searched, filtered, sorted and paginated."""
    params = query_params(
        {
            "q": q,
            "category": category,
            "min_price": min_price,
            "max_price": max_price,
            "in_stock": in_stock,
            "sort": sort.value,
            "limit": page.limit,
            "offset": page.offset,
        }
    )
    return await relay(backends.catalog.list_products(params), "catalog")


@router.get("/products/{product_id}")
async def get_product(
    backends: BackendsDep, product_id: Annotated[str, Path(pattern=ID_PATTERN)]
) -> Response:
    return await relay(backends.catalog.get_product(product_id), "catalog")


@router.get("/categories")
async def list_categories(backends: BackendsDep, page: Page) -> Response:
    params = query_params({"limit": page.limit, "offset": page.offset})
    return await relay(backends.catalog.list_categories(params), "catalog")
