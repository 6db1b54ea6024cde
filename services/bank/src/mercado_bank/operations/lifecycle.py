"""After authorization: capture, refund, and closing an idempotency key nobody used."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError

from mercado_bank.domain.authorizations import Status, TransitionRefused
from mercado_bank.domain.record import AuthorizationRecord
from mercado_bank.store import authorizations as store
from mercado_toolkit.errors import AppError
from mercado_toolkit.runtime import Runtime


def _not_found(auth_id: str) -> AppError:
    return AppError(404, "authorization_not_found", f"no authorization with id {auth_id}")


async def get(rt: Runtime, auth_id: str) -> AuthorizationRecord:
    async with rt.reader() as session:
        row = await store.by_id(session, auth_id)
    if row is None:
        raise _not_found(auth_id)
    return row


async def get_by_key(rt: Runtime, key: str) -> AuthorizationRecord:
    async with rt.reader() as session:
        row = await store.by_key(session, key)
    if row is None:
        raise AppError(404, "authorization_not_found", "no authorization under this key")
    return row


async def move(
    rt: Runtime, auth_id: str, transition: Callable[[Status], Status]
) -> AuthorizationRecord:
    """Applies ``transition`` (capture or refund); repeating one is a no-op."""
    async with rt.transaction() as session:
        row = await store.by_id(session, auth_id)
        if row is None:
            raise _not_found(auth_id)
        current = row.status
        try:
            target = transition(current)
        except TransitionRefused as exc:
            raise AppError(409, exc.code, str(exc)) from exc
        if target is not current:
            await store.set_status(session, auth_id, current, target)
        updated = await store.by_id(session, auth_id)
    assert updated is not None
    return updated


async def close_key(
    rt: Runtime, key: str, reference: str | None
) -> tuple[AuthorizationRecord, bool]:
    """Makes whatever the key holds now its final outcome.

    A key nobody has used yet is closed: a request arriving later under it is answered
    with the closed record and charges nothing. Returns the row and whether it was closed
    by this call."""
    try:
        return await _close_once(rt, key, reference)
    except IntegrityError:  # a request under this key was recorded meanwhile
        return await _close_once(rt, key, reference)


async def _close_once(
    rt: Runtime, key: str, reference: str | None
) -> tuple[AuthorizationRecord, bool]:
    async with rt.transaction() as session:
        existing = await store.by_key(session, key)
        if existing is not None:
            return existing, False
        row = await store.create(session, key=key, reference=reference, status=Status.CLOSED)
    return row, True
