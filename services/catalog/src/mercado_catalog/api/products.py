"""Routes of ``/products``: public listing and reading, admin writing."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_catalog.api.cached import PAGE, PRODUCT, page_cache, send
from mercado_catalog.api.schemas import Product, ProductCreate, ProductUpdate, product_body
from mercado_catalog.domain.products import NewProduct, ProductChanges
from mercado_catalog.domain.queries import InvalidQuery, ProductQuery, SortKey, normalize_search
from mercado_catalog.events.publish import product_event
from mercado_catalog.store import products as store
from mercado_contracts.money import MAX_AMOUNT
from mercado_toolkit.auth import require_admin
from mercado_toolkit.deps import runtime
from mercado_toolkit.errors import AppError, errors
from mercado_toolkit.pagination import Page, PageParams, page_params
from mercado_toolkit.runtime import Runtime

router = APIRouter(prefix="/products", tags=["products"], responses=errors(401, 403, 404, 409, 422))

ProductId = Annotated[str, Path(min_length=1, max_length=64)]
Rt = Annotated[Runtime, Depends(runtime)]


def _not_found(product_id: str) -> AppError:
    return AppError(404, "product_not_found", f"no product with id {product_id}")


@router.get("", response_model=Page[Product])
async def list_products(
    request: Request,
    rt: Rt,
    page: Annotated[PageParams, Depends(page_params)],
    q: Annotated[str | None, Query(max_length=200, description="text search")] = None,
    category: Annotated[str | None, Query(max_length=80)] = None,
    min_price: Annotated[int | None, Query(ge=0, le=MAX_AMOUNT)] = None,
    max_price: Annotated[int | None, Query(ge=0, le=MAX_AMOUNT)] = None,
    in_stock: bool | None = None,
    sort: SortKey = SortKey.NAME,
) -> Response:
    hit = await page_cache(rt).fill(
        "products?" + request.url.query,
        lambda: _list(rt, page, q, category, min_price, max_price, in_stock, sort),
    )
    return send(request, *hit)


async def _list(
    rt: Runtime,
    page: PageParams,
    q: str | None,
    category: str | None,
    min_price: int | None,
    max_price: int | None,
    in_stock: bool | None,
    sort: SortKey,
) -> bytes:
    try:
        query = ProductQuery(
            text=normalize_search(q),
            category=category,
            min_price=min_price,
            max_price=max_price,
            in_stock=in_stock,
            sort=sort,
            limit=page.limit,
            offset=page.offset,
        )
    except InvalidQuery as exc:
        raise AppError(422, "validation_error", str(exc)) from exc
    async with rt.read() as conn:
        rows, total = await store.list_products(conn, query)
    body = {
        "items": [product_body(r) for r in rows],
        "total": total,
        "limit": page.limit,
        "offset": page.offset,
    }
    return PAGE.dump_json(PAGE.validate_python(body))


@router.get("/{product_id}", response_model=Product)
async def get_product(request: Request, rt: Rt, product_id: ProductId) -> Response:
    async def read() -> bytes:
        async with rt.read() as conn:
            row = await store.get_product(conn, product_id)
        if row is None:
            raise _not_found(product_id)
        return PRODUCT.dump_json(PRODUCT.validate_python(product_body(row)))

    return send(request, *await page_cache(rt).fill("product/" + product_id, read))


async def _category(session: AsyncSession, slug: str) -> str:
    category_id = await store.category_id(session, slug)
    if category_id is None:
        raise AppError(422, "unknown_category", f"no category with slug {slug!r}")
    return category_id


@router.post("", status_code=201, response_model=Product, dependencies=[Depends(require_admin)])
async def create_product(rt: Rt, body: ProductCreate) -> Product:
    async with rt.transaction() as session:
        new = NewProduct(
            sku=body.sku,
            name=body.name,
            description=body.description,
            category_id=await _category(session, body.category),
            price_amount=body.price.amount,
            currency=body.price.currency,
            image_url=str(body.image_url) if body.image_url else None,
        )
        try:
            product_id = await store.create_product(session, new)
        except store.DuplicateError as exc:
            raise AppError(409, "duplicate_sku", f"a product with sku {body.sku} exists") from exc
        row = await store.get_product(session, product_id)
        assert row is not None
        await product_event(rt.outbox, session, "created", row)
    page_cache(rt).invalidate()
    return Product.from_row(row)


@router.patch("/{product_id}", response_model=Product, dependencies=[Depends(require_admin)])
async def update_product(rt: Rt, product_id: ProductId, body: ProductUpdate) -> Product:
    changes = body.model_dump(exclude_unset=True)
    async with rt.transaction() as session:
        values: ProductChanges = {}
        if "name" in changes and body.name is not None:
            values["name"] = body.name
        if "description" in changes and body.description is not None:
            values["description"] = body.description
        if "category" in changes and body.category is not None:
            values["category_id"] = await _category(session, body.category)
        if "price" in changes and body.price is not None:
            values["price_amount"] = body.price.amount
            values["currency"] = body.price.currency
        if "image_url" in changes:
            values["image_url"] = str(body.image_url) if body.image_url else None
        if not await store.update_product(session, product_id, values):
            raise _not_found(product_id)
        row = await store.get_product(session, product_id)
        assert row is not None
        await product_event(rt.outbox, session, "updated", row)
    page_cache(rt).invalidate()
    return Product.from_row(row)


@router.delete("/{product_id}", status_code=204, dependencies=[Depends(require_admin)])
async def delete_product(rt: Rt, product_id: ProductId) -> Response:
    async with rt.transaction() as session:
        row = await store.get_product(session, product_id)
        if row is None or not await store.delete_product(session, product_id):
            raise _not_found(product_id)
        await product_event(rt.outbox, session, "deleted", row)
    page_cache(rt).invalidate()
    return Response(status_code=204)
