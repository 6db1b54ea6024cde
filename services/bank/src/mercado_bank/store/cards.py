"""Card tokens: what the bank keeps of a card (never its number nor its CVC)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_bank.store.tables import cards

Row = dict[str, Any]


async def create(
    session: AsyncSession, last4: str, exp_month: int, exp_year: int, rule: str
) -> Row:
    row: Row = {
        "token": "tok_" + secrets.token_hex(16),
        "last4": last4,
        "exp_month": exp_month,
        "exp_year": exp_year,
        "rule": rule,
        "created_at": datetime.now(UTC),
    }
    await session.execute(insert(cards).values(**row))
    return row


async def get(session: AsyncSession, token: str) -> Row | None:
    row = (await session.execute(select(cards).where(cards.c.token == token))).first()
    return dict(row._mapping) if row else None
