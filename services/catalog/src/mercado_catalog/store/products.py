"""Product and category persistence."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import RowMapping, Select, and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from mercado_catalog.domain.products import (
    CategoryRecord,
    NewProduct,
    ProductChanges,
    ProductRecord,
)
from mercado_catalog.domain.queries import ProductQuery, SortKey, search_terms
from mercado_catalog.store.tables import categories, products
from mercado_contracts.ids import product_id_for


class DuplicateError(Exception):
    pass


# Reads take a plain connection (the fast path) or the session of a write transaction.
Reader = AsyncConnection | AsyncSession


def _product(m: RowMapping) -> ProductRecord:
    return ProductRecord(
        id=m["id"],
        sku=m["sku"],
        name=m["name"],
        description=m["description"],
        category_id=m["category_id"],
        category_slug=m["category_slug"],
        category_name=m["category_name"],
        price_amount=m["price_amount"],
        currency=m["currency"],
        image_url=m["image_url"],
        available=m["available"],
        stock_version=m["stock_version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def _product_select() -> Select[Any]:
    return select(
        products,
        categories.c.slug.label("category_slug"),
        categories.c.name.label("category_name"),
    ).join(categories, products.c.category_id == categories.c.id)


_ORDER = {
    SortKey.NAME: (products.c.name.asc(), products.c.id),
    SortKey.NAME_DESC: (products.c.name.desc(), products.c.id),
    SortKey.PRICE: (products.c.price_amount.asc(), products.c.name),
    SortKey.PRICE_DESC: (products.c.price_amount.desc(), products.c.name),
    SortKey.NEWEST: (products.c.created_at.desc(), products.c.id),
}


async def list_products(session: Reader, q: ProductQuery) -> tuple[list[ProductRecord], int]:
    """One page and the total matching: one statement (the total is a window count over
    the same rows), a second one only when the page is past the end."""
    conditions = []
    if q.text:
        for term in search_terms(q.text):
            pattern = f"%{term}%"
            conditions.append(
                or_(
                    func.lower(products.c.name).like(pattern),
                    func.lower(products.c.description).like(pattern),
                    func.lower(products.c.sku).like(pattern),
                )
            )
    if q.category:
        conditions.append(categories.c.slug == q.category)
    if q.min_price is not None:
        conditions.append(products.c.price_amount >= q.min_price)
    if q.max_price is not None:
        conditions.append(products.c.price_amount <= q.max_price)
    if q.in_stock is True:
        conditions.append(products.c.available > 0)
    elif q.in_stock is False:
        conditions.append(or_(products.c.available.is_(None), products.c.available <= 0))
    where = and_(True, *conditions)
    result = await session.execute(
        _product_select()
        .add_columns(func.count().over().label("total_count"))
        .where(where)
        .order_by(*_ORDER[q.sort])
        .limit(q.limit)
        .offset(q.offset)
    )
    found = result.mappings().all()
    rows = [_product(m) for m in found]
    if rows:
        return rows, int(found[0]["total_count"])
    if q.offset == 0:
        return rows, 0
    total = await session.scalar(
        select(func.count())
        .select_from(products.join(categories, products.c.category_id == categories.c.id))
        .where(where)
    )
    return rows, int(total or 0)


async def get_product(session: Reader, product_id: str) -> ProductRecord | None:
    row = (
        (await session.execute(_product_select().where(products.c.id == product_id)))
        .mappings()
        .first()
    )
    return _product(row) if row else None


async def category_id(session: AsyncSession, slug: str) -> str | None:
    return await session.scalar(select(categories.c.id).where(categories.c.slug == slug))


async def create_product(session: AsyncSession, new: NewProduct) -> str:
    now = datetime.now(UTC)
    product_id = product_id_for(new.sku)  # the same SKU, the same id, in every shop
    try:
        async with session.begin_nested():
            await session.execute(
                insert(products).values(
                    id=product_id, created_at=now, updated_at=now, stock_version=0, **asdict(new)
                )
            )
    except IntegrityError as exc:
        raise DuplicateError(new.sku) from exc
    return product_id


async def update_product(session: AsyncSession, product_id: str, changes: ProductChanges) -> bool:
    result = await session.execute(
        update(products)
        .where(products.c.id == product_id)
        .values(updated_at=datetime.now(UTC), **changes)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def delete_product(session: AsyncSession, product_id: str) -> bool:
    result = await session.execute(delete(products).where(products.c.id == product_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_availability(session: AsyncSession, sku: str, available: int, version: int) -> None:
    """Applies inventory's report unless a newer one was applied already."""
    await session.execute(
        update(products)
        .where(products.c.sku == sku, products.c.stock_version < version)
        .values(available=available, stock_version=version)
    )


async def list_categories(session: AsyncSession) -> list[CategoryRecord]:
    count = func.count(products.c.id).label("product_count")
    rows = await session.execute(
        select(categories, count)
        .select_from(categories.outerjoin(products, products.c.category_id == categories.c.id))
        .group_by(categories.c.id)
        .order_by(categories.c.name)
    )
    return [CategoryRecord(**r._mapping) for r in rows]


async def create_category(session: AsyncSession, slug: str, name: str) -> str:
    category = str(uuid.uuid4())
    try:
        async with session.begin_nested():
            await session.execute(insert(categories).values(id=category, slug=slug, name=name))
    except IntegrityError as exc:
        raise DuplicateError(slug) from exc
    return category
