"""Card details held in memory only, for the few seconds until payment has them.

Orders never writes a card number or CVC anywhere (database, events, logs). The card given
with ``POST /orders`` waits here until the charge request reached payment; if the process
dies first, the card is gone and the order is settled by asking payment (see saga.py).
"""

from __future__ import annotations

import time
from typing import Any


class CardVault:
    def __init__(self) -> None:
        self._cards: dict[str, tuple[dict[str, Any], float]] = {}

    def put(self, order_id: str, card: dict[str, Any]) -> None:
        self._cards[order_id] = (dict(card), time.monotonic())

    def get(self, order_id: str) -> dict[str, Any] | None:
        held = self._cards.get(order_id)
        return dict(held[0]) if held else None

    def drop(self, order_id: str) -> None:
        self._cards.pop(order_id, None)

    def sweep(self, max_age: float) -> None:
        """Forgets cards held longer than ``max_age`` seconds."""
        cutoff = time.monotonic() - max_age
        for order_id in [o for o, (_, at) in self._cards.items() if at < cutoff]:
            self._cards.pop(order_id, None)

    def __len__(self) -> int:
        return len(self._cards)

    def __repr__(self) -> str:  # never show card data
        return f"CardVault({len(self._cards)} cards)"
