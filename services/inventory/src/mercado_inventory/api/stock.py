"""Routes of ``/stock``: read stock levels, admin adjustments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from mercado_contracts.ids import SKU_PATTERN
from mercado_inventory.api.schemas import Adjustment, Stock
from mercado_inventory.operations import stock as ops
from mercado_inventory.store import stock as store
from mercado_toolkit.auth import require_admin
from mercado_toolkit.deps import Rt
from mercado_toolkit.errors import AppError, errors
from mercado_toolkit.pagination import Page, PageParams, page_params

router = APIRouter(prefix="/stock", tags=["stock"], responses=errors(401, 403, 404, 409, 422))

Sku = Annotated[str, Path(min_length=1, max_length=64, pattern=SKU_PATTERN)]


@router.get("", response_model=Page[Stock])
async def list_stock(
    rt: Rt,
    page: Annotated[PageParams, Depends(page_params)],
    sku: Annotated[list[str] | None, Query(max_length=100)] = None,
) -> Page[Stock]:
    async with rt.reader() as session:
        rows, total = await store.page(session, sku, page.limit, page.offset)
    return Page[Stock](
        items=[Stock.of(r) for r in rows], total=total, limit=page.limit, offset=page.offset
    )


@router.get("/{sku}", response_model=Stock)
async def get_stock(rt: Rt, sku: Sku) -> Stock:
    async with rt.reader() as session:
        row = await store.get(session, sku)
    if row is None:
        raise AppError(404, "unknown_sku", f"no stock is kept for sku {sku}")
    return Stock.of(row)


@router.post("/{sku}/adjustments", response_model=Stock, dependencies=[Depends(require_admin)])
async def adjust_stock(rt: Rt, sku: Sku, body: Adjustment) -> Stock:
    """Adds or removes units of a known SKU (404 ``unknown_sku`` for any other)."""
    return Stock.of(await ops.adjust(rt, sku, body.delta, body.low_stock_threshold))
