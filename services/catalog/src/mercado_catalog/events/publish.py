"""Events the catalog publishes about its products."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from mercado_catalog.domain.products import ProductRecord
from mercado_contracts.events import ProductCreated, ProductDeleted, ProductUpdated
from mercado_contracts.events.catalog import ProductPayload
from mercado_contracts.money import Money
from mercado_toolkit.events.outbox import Outbox

_KINDS: dict[str, type[ProductPayload]] = {
    "created": ProductCreated,
    "updated": ProductUpdated,
    "deleted": ProductDeleted,
}


def product_payload(kind: str, product: ProductRecord) -> ProductPayload:
    return _KINDS[kind](
        id=product.id,
        sku=product.sku,
        name=product.name,
        category=product.category_slug,
        price=Money(amount=product.price_amount, currency=product.currency),
    )


async def product_event(
    outbox: Outbox, session: AsyncSession, kind: str, product: ProductRecord
) -> None:
    await outbox.add(session, product.id, product_payload(kind, product))
