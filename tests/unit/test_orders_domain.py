"""Orders' pure rules: totals, idempotency fingerprints, card checks, final states."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mercado_orders.domain.orders import (
    MixedCurrency,
    PricedLine,
    Status,
    backoff,
    fingerprint,
    is_final,
    order_total,
    reservation_lines,
)
from mercado_orders.domain.views import order_view


def line(sku: str, qty: int, amount: int = 100, currency: str = "EUR") -> PricedLine:
    return PricedLine(f"p-{sku}", sku, sku.title(), qty, amount, currency)


def test_total_adds_line_totals_in_minor_units() -> None:
    assert order_total([line("A", 2, 1999), line("B", 1, 1)]) == (3999, "EUR")


def test_total_refuses_mixed_currencies() -> None:
    with pytest.raises(MixedCurrency):
        order_total([line("A", 1, currency="EUR"), line("B", 1, currency="USD")])


def test_reservation_lines_merge_repeated_skus_in_sku_order() -> None:
    assert reservation_lines([line("B", 1), line("A", 2), line("B", 3)]) == [
        {"sku": "A", "quantity": 2},
        {"sku": "B", "quantity": 4},
    ]


def test_fingerprint_is_stable_and_tells_bodies_apart() -> None:
    body = {
        "customer": "a@example.com",
        "lines": [["p", 1]],
        "payment": {"card": {"last4": "4242"}},
    }
    same = {
        "payment": {"card": {"last4": "4242"}},
        "lines": [["p", 1]],
        "customer": "a@example.com",
    }
    assert fingerprint(body) == fingerprint(same)
    assert fingerprint(body) != fingerprint({**body, "lines": [["p", 2]]})


def test_final_states() -> None:
    assert is_final(Status.CANCELLED, None)
    assert is_final(Status.CONFIRMED, None)
    assert not is_final(Status.CONFIRMED, "customer_cancelled")  # refund still to do
    assert not is_final(Status.PAYMENT_PENDING, None)


def test_backoff_grows_and_is_capped() -> None:
    waits = [backoff(n, 0.5, 10.0) for n in range(8)]
    assert waits[:3] == [0.5, 1.0, 2.0]
    assert max(waits) == 10.0
    assert waits == sorted(waits)


def test_order_view_shows_money_and_hides_payment_until_charged() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    row = {
        "id": "o1",
        "status": "PENDING",
        "cancel_reason": None,
        "customer_email": "a@example.com",
        "total_amount": 300,
        "currency": "EUR",
        "payment_attempt_at": None,
        "payment_status": None,
        "card_last4": "4242",
        "decline_code": None,
        "created_at": now,
        "updated_at": now,
    }
    view = order_view(row, [line("A", 3)]).model_dump(mode="json")
    assert view["payment"] is None
    assert view["lines"][0]["line_total"] == {"amount": 300, "currency": "EUR"}
    assert view["total"] == {"amount": 300, "currency": "EUR"}
    assert view["created_at"] == "2026-01-02T03:04:05Z"
    charged = order_view(
        {**row, "payment_status": "DECLINED", "decline_code": "card_declined"}, []
    ).model_dump(mode="json")
    assert charged["payment"] == {
        "status": "DECLINED",
        "card_last4": "4242",
        "decline_code": "card_declined",
    }
