"""Drives orders through the checkout saga, and finds the ones left unfinished.

A new order is driven at once by the process that accepted it. Whenever a step has to wait
(a dependency is down, a payment's outcome is unknown) or the process dies, the order keeps
``next_attempt_at`` and its lease runs out; the recovery loop of any replica then picks it
up and continues from its stored state. Steps are idempotent per order id, state changes are
versioned updates, so two drivers can never move one order twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from mercado_orders.domain.orders import Status, backoff, is_final
from mercado_orders.domain.record import OrderRecord
from mercado_orders.operations.compensate import compensate
from mercado_orders.operations.context import Next, SagaContext, utcnow, wait
from mercado_orders.operations.steps import Lines, begin_payment, commit, pay, reserve
from mercado_orders.store import orders as store
from mercado_toolkit.http_client import DependencyUnavailable

log = logging.getLogger("mercado.orders.saga")

MAX_ROUNDS = 20


async def step(ctx: SagaContext, row: OrderRecord, lines: Lines) -> Next:
    if row.cancel_requested:
        return await compensate(ctx, row, lines)
    status = row.status
    if status is Status.PENDING:
        return await reserve(ctx, row, lines)
    if status is Status.RESERVED:
        return await begin_payment(ctx, row, lines)
    if status is Status.PAYMENT_PENDING:
        return await pay(ctx, row, lines)
    if status is Status.PAID:
        return await commit(ctx, row, lines)
    raise AssertionError(f"no step for {status}")


class Saga:
    def __init__(self, ctx: SagaContext) -> None:
        self.ctx = ctx
        self.active: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, order_id: str) -> None:
        """Drives the order in the background (no-op if this process already does)."""
        if order_id in self.active:
            return
        task = asyncio.create_task(self.drive(order_id), name=f"saga-{order_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drive(self, order_id: str) -> None:
        """Runs the order's steps until it is final or has to wait."""
        if order_id in self.active:
            return
        self.active.add(order_id)
        try:
            await self._drive(order_id)
        except Exception:
            log.exception("driving order %s failed; the recovery loop will retry", order_id)
        finally:
            self.active.discard(order_id)

    async def _load(self, order_id: str, with_lines: bool) -> tuple[OrderRecord | None, Lines]:
        async with self.ctx.rt.reader() as session:
            row = await store.get(session, order_id)
            lines = (
                (await store.lines_of(session, [order_id]))[order_id] if row and with_lines else []
            )
        return row, lines

    async def _drive(self, order_id: str) -> None:
        ctx = self.ctx
        now = utcnow()
        async with ctx.rt.transaction() as session:
            if not await store.claim(session, order_id, ctx.owner, now, ctx.lease_until(now)):
                return  # another replica is driving it
        row: OrderRecord | None = None
        lines: Lines = []
        outcome = wait(0)
        ctx.written[order_id] = None
        try:
            for _ in range(MAX_ROUNDS):
                # The order as this process last wrote it (a versioned update fails if
                # anyone changed it since); read back only when there is no such write.
                written = ctx.written.pop(order_id, None)
                ctx.written[order_id] = None
                if written is not None:
                    row = written
                else:
                    row, loaded = await self._load(order_id, with_lines=not lines)
                    lines = lines or loaded
                if row is None:
                    return
                if is_final(row.status, row.cancel_requested):
                    outcome = Next(None)
                    break
                outcome = await self._step(row, lines)
                if outcome.wait is not None:
                    break
        finally:
            ctx.written.pop(order_id, None)
        await self._park(order_id, row, outcome)

    async def _step(self, row: OrderRecord, lines: Lines) -> Next:
        """One step of the order; a failure becomes a wait with back-off."""
        order_id = row.id
        try:
            return await step(self.ctx, row, lines)
        except DependencyUnavailable as exc:
            log.warning("order %s waits: %s", order_id, exc)
        except Exception:
            log.exception("step of order %s (%s) failed", order_id, row.status)
        return self._backoff(row)

    def _backoff(self, row: OrderRecord) -> Next:
        s = self.ctx.settings
        return wait(backoff(row.attempts, s.retry_base_seconds, s.retry_max_seconds))

    async def _park(self, order_id: str, row: OrderRecord | None, outcome: Next) -> None:
        """Frees the lease; the recovery loop comes back after the wait, if any."""
        now = utcnow()
        delay = outcome.wait if outcome.wait is not None else 0.0
        attempts = None
        if outcome.wait is not None and row is not None:
            attempts = row.attempts + 1
        async with self.ctx.rt.transaction() as session:
            await store.unlease(
                session, order_id, self.ctx.owner, now + timedelta(seconds=delay), attempts
            )

    async def recover_due(self) -> None:
        """Starts driving every unfinished order that is due (``start`` skips the ones this
        process drives already)."""
        s = self.ctx.settings
        async with self.ctx.rt.reader() as session:
            due = await store.due(session, utcnow(), s.recovery_batch)
        for order_id in due:
            self.start(order_id)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
