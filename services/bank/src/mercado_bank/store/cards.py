"""Card tokens: what the bank keeps of a card (never its number nor its CVC)."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from mercado_bank.domain.cards import Rule
from mercado_bank.domain.record import StoredCard
from mercado_bank.store.tables import cards


async def create(
    session: AsyncSession, last4: str, exp_month: int, exp_year: int, rule: Rule
) -> StoredCard:
    card = StoredCard(
        token="tok_" + secrets.token_hex(16),
        last4=last4,
        exp_month=exp_month,
        exp_year=exp_year,
        rule=rule,
        created_at=datetime.now(UTC),
    )
    await session.execute(insert(cards).values(**asdict(card)))
    return card


async def get(session: AsyncSession, token: str) -> StoredCard | None:
    row = (await session.execute(select(cards).where(cards.c.token == token))).first()
    if row is None:
        return None
    return StoredCard(
        token=row.token,
        last4=row.last4,
        exp_month=row.exp_month,
        exp_year=row.exp_year,
        rule=Rule(row.rule),
        created_at=row.created_at,
    )
