"""Accepting an order: price it from the catalog, exchange the card for the bank's token
(through payment), store it PENDING with ``order.placed``, and answer a retry with the same
Idempotency-Key with the same order.

The card number reaches neither the database nor memory beyond the request: once the order
is accepted, everything needed to finish it (the card token included) is in the database,
so a crash of any process at any moment can neither lose it nor cancel it for lack of a card.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from mercado_contracts.cards import CardIn
from mercado_contracts.money import MAX_AMOUNT
from mercado_orders.domain.orders import (
    MixedCurrency,
    PricedLine,
    Status,
    fingerprint,
    is_final,
    order_total,
)
from mercado_orders.domain.record import OrderRecord
from mercado_orders.events.publish import PLACED, order_event
from mercado_orders.operations.context import SagaContext, utcnow
from mercado_orders.operations.saga import Saga
from mercado_orders.store import orders as store
from mercado_toolkit.errors import AppError
from mercado_toolkit.http_client import DependencyUnavailable, unavailable_error

log = logging.getLogger("mercado.orders.place")


@dataclass(frozen=True)
class NewOrder:
    email: str
    lines: Sequence[tuple[str, int]]  # (product_id, quantity)
    card: CardIn | None  # exchanged for a token before the order is stored
    card_token: str | None
    card_last4: str | None
    # What the request asks for with secrets reduced (no card number, no CVC).
    summary: Mapping[str, object]


@dataclass(frozen=True)
class Placed:
    row: OrderRecord
    lines: list[PricedLine]
    created: bool


async def _price(ctx: SagaContext, lines: Sequence[tuple[str, int]]) -> list[PricedLine]:
    ids = list(dict.fromkeys(pid for pid, _ in lines))
    try:
        found = await asyncio.gather(*(ctx.deps.product(pid) for pid in ids))
    except DependencyUnavailable as exc:
        raise unavailable_error(exc) from exc
    except ValueError as exc:
        raise AppError(503, "dependency_unavailable", "catalog answered unexpectedly") from exc
    products = dict(zip(ids, found, strict=True))
    missing = [pid for pid, p in products.items() if p is None]
    if missing:
        raise AppError(
            422, "unknown_product", f"no product with id {missing[0]}", {"product_ids": missing}
        )
    priced = []
    for pid, quantity in lines:
        p = products[pid]
        assert p is not None
        priced.append(PricedLine(pid, p.sku, p.name, quantity, p.price.amount, p.price.currency))
    return priced


async def _card_token(ctx: SagaContext, order: NewOrder) -> str | None:
    """The token to charge: given by the client, or the bank's for the card given."""
    if order.card is None:
        return order.card_token
    try:
        reply = await ctx.deps.tokenize(order.card)
    except DependencyUnavailable as exc:
        raise unavailable_error(exc) from exc
    body = reply.body if isinstance(reply.body, dict) else {}
    token = body.get("card_token")
    if reply.ok and isinstance(token, str):
        return token
    if reply.status == 422:
        raise AppError(
            422, "invalid_card", "the card was refused: check its number and expiry date"
        )
    log.error("payment gave no card token: HTTP %s", reply.status)
    raise AppError(503, "dependency_unavailable", "payment is unavailable, try again shortly")


async def _existing(ctx: SagaContext, key: str, digest: str) -> Placed | None:
    async with ctx.rt.reader() as session:
        row = await store.by_key(session, key)
        if row is None:
            return None
        lines = (await store.lines_of(session, [row.id]))[row.id]
    if row.fingerprint != digest:
        raise AppError(
            409,
            "idempotency_key_reused",
            "this Idempotency-Key was already used for a different order request; "
            "use a new key for a new order",
        )
    return Placed(row, lines, created=False)


async def place(ctx: SagaContext, saga: Saga, key: str, order: NewOrder) -> Placed:
    digest = fingerprint(order.summary)
    found = await _existing(ctx, key, digest)
    if found is None:
        lines = await _price(ctx, order.lines)
        card_token = await _card_token(ctx, order)
        try:
            total, currency = order_total(lines)
        except MixedCurrency as exc:
            raise AppError(422, "mixed_currency", str(exc)) from exc
        if total > MAX_AMOUNT:  # the most any payment takes: refuse now, not decline later
            raise AppError(
                422, "order_total_too_large", f"an order may total at most {MAX_AMOUNT} minor units"
            )
        now = utcnow()
        row = OrderRecord(
            id=str(uuid.uuid4()),
            idempotency_key=key,
            fingerprint=digest,
            status=Status.PENDING,
            cancel_reason=None,
            cancel_requested=None,
            customer_email=order.email,
            total_amount=total,
            currency=currency,
            card_last4=order.card_last4,
            card_token=card_token,
            payment_id=None,
            payment_status=None,
            decline_code=None,
            payment_attempt_at=None,
            attempts=0,
            next_attempt_at=now,
            lease_owner=ctx.owner,
            lease_until=ctx.lease_until(now),
            version=0,
            created_at=now,
            updated_at=now,
        )
        try:
            async with ctx.rt.transaction() as session:
                await store.insert_order(session, row, lines)
                await order_event(ctx.rt.outbox, session, PLACED, row, lines)
        except IntegrityError:
            found = await _existing(ctx, key, digest)  # a concurrent retry won the insert
            if found is None:
                raise
        else:
            found = Placed(row, lines, created=True)
    if not is_final(found.row.status, found.row.cancel_requested):
        saga.start(found.row.id)
    return found
