"""Routes of ``/categories``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from mercado_catalog.api.schemas import Category, CategoryCreate
from mercado_catalog.store import products as store
from mercado_toolkit.auth import require_admin
from mercado_toolkit.deps import runtime
from mercado_toolkit.errors import AppError, errors
from mercado_toolkit.pagination import Page, PageParams, page_params
from mercado_toolkit.runtime import Runtime

router = APIRouter(prefix="/categories", tags=["categories"], responses=errors(401, 403, 409, 422))

Rt = Annotated[Runtime, Depends(runtime)]


@router.get("", response_model=Page[Category])
async def list_categories(
    rt: Rt, page: Annotated[PageParams, Depends(page_params)]
) -> Page[Category]:
    async with rt.reader() as session:
        rows = await store.list_categories(session)
    window = rows[page.offset : page.offset + page.limit]
    return Page[Category](
        items=[Category.model_validate(r, from_attributes=True) for r in window],
        total=len(rows),
        limit=page.limit,
        offset=page.offset,
    )


@router.post("", status_code=201, response_model=Category, dependencies=[Depends(require_admin)])
async def create_category(rt: Rt, body: CategoryCreate) -> Category:
    async with rt.transaction() as session:
        try:
            category_id = await store.create_category(session, body.slug, body.name)
        except store.DuplicateError as exc:
            raise AppError(409, "duplicate_category", f"category {body.slug} exists") from exc
    return Category(id=category_id, slug=body.slug, name=body.name)
