"""The public shape of an order, shared by the API and the order events (pure logic)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from mercado_orders.domain.orders import PricedLine


def _money(amount: int, currency: str) -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def order_view(row: dict[str, Any], lines: Sequence[PricedLine]) -> dict[str, Any]:
    """The order as clients see it (JSON-ready). ``payment`` is null until orders has asked
    payment for a charge."""
    payment = None
    if row["payment_attempt_at"] is not None or row["payment_status"] is not None:
        payment = {
            "status": row["payment_status"] or "PENDING",
            "card_last4": row["card_last4"],
            "decline_code": row["decline_code"],
        }
    return {
        "id": row["id"],
        "status": row["status"],
        "cancel_reason": row["cancel_reason"],
        "customer": {"email": row["customer_email"]},
        "lines": [
            {
                "product_id": ln.product_id,
                "sku": ln.sku,
                "name": ln.name,
                "quantity": ln.quantity,
                "unit_price": _money(ln.unit_amount, ln.currency),
                "line_total": _money(ln.total, ln.currency),
            }
            for ln in lines
        ],
        "total": _money(row["total_amount"], row["currency"]),
        "payment": payment,
        "created_at": _iso(row["created_at"]),
        "updated_at": _iso(row["updated_at"]),
    }
