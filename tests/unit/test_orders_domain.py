"""Orders' pure rules: totals, idempotency fingerprints, card checks, final states."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from mercado_orders.domain.orders import (
    CancelReason,
    MixedCurrency,
    PaymentStatus,
    PricedLine,
    Status,
    backoff,
    fingerprint,
    is_final,
    may_hold_stock,
    order_total,
    reservation_lines,
)
from mercado_orders.domain.record import Lease, MoveRefused, OrderRecord, PaymentSeen
from mercado_orders.domain.views import order_view
from mercado_orders.operations.steps import error_code
from mercado_toolkit.http_client import Reply
from tests.support.orders import order_record


def line(sku: str, qty: int, amount: int = 100, currency: str = "EUR") -> PricedLine:
    return PricedLine(f"p-{sku}", sku, sku.title(), qty, amount, currency)


def test_total_adds_line_totals_in_minor_units() -> None:
    assert order_total([line("A", 2, 1999), line("B", 1, 1)]) == (3999, "EUR")


def test_total_refuses_mixed_currencies() -> None:
    with pytest.raises(MixedCurrency) as refused:
        order_total([line("A", 1, currency="EUR"), line("B", 1, currency="USD")])
    # The message goes to the buyer in the 422.
    assert str(refused.value) == "all products of one order must be priced in the same currency"


def test_only_a_cancelled_order_holds_no_stock() -> None:
    """Compensation releases the reservation of every order but a cancelled one (a reserve
    call may have reached inventory while the order was still PENDING)."""
    assert [s for s in Status if not may_hold_stock(s)] == [Status.CANCELLED]


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
    # Stored with every order, so it must not change between releases: a retry after an
    # upgrade would be refused as a reused key. It is the SHA-256 of the compact JSON form.
    canonical = (
        b'{"customer":"a@example.com","lines":[["p",1]],"payment":{"card":{"last4":"4242"}}}'
    )
    assert fingerprint(body) == hashlib.sha256(canonical).hexdigest()


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
    # The wait doubles for sixteen failures at most, even below the cap.
    assert backoff(16, 0.001, 1e6) == backoff(40, 0.001, 1e6) == 65.536


def record(**changes: object) -> OrderRecord:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    return order_record(at, **{"id": "o1", "idempotency_key": "k1", "total_amount": 300, **changes})


def test_order_view_shows_money_and_hides_payment_until_charged() -> None:
    row = record()
    view = order_view(row, [line("A", 3)]).model_dump(mode="json")
    assert view["payment"] is None
    assert view["lines"][0]["line_total"] == {"amount": 300, "currency": "EUR"}
    assert view["total"] == {"amount": 300, "currency": "EUR"}
    assert view["created_at"] == "2026-01-02T03:04:05Z"
    charged = order_view(
        replace(row, payment_status=PaymentStatus.DECLINED, decline_code="card_declined"), []
    ).model_dump(mode="json")
    assert charged["payment"] == {
        "status": "DECLINED",
        "card_last4": "4242",
        "decline_code": "card_declined",
    }


def test_storing_a_change_bumps_the_version_once_and_stamps_the_time() -> None:
    before = record(version=4)
    later = datetime(2026, 1, 2, 3, 5, tzinfo=UTC)
    stored = before.reserved().stored(before, later)
    assert (stored.status, stored.version, stored.updated_at) == (Status.RESERVED, 5, later)
    assert before.version == 4  # records are values: the read one is unchanged


def test_storing_writes_the_lease_only_when_given() -> None:
    before = record(attempts=3, lease_owner="other")
    until = datetime(2026, 1, 2, 4, tzinfo=UTC)
    kept = before.cancel_asked(CancelReason.CUSTOMER_CANCELLED).stored(before, until)
    assert (kept.attempts, kept.lease_owner) == (3, "other")
    leased = before.reserved().stored(before, until, Lease("me", until, 0))
    assert (leased.attempts, leased.lease_owner, leased.lease_until) == (0, "me", until)


@pytest.mark.parametrize(
    ("status", "move"),
    [
        (Status.PENDING, OrderRecord.confirmed),  # never reserved nor paid
        (Status.PENDING, OrderRecord.paid),
        (Status.RESERVED, OrderRecord.confirmed),
        (Status.CANCELLED, OrderRecord.reserved),  # a cancelled order stays cancelled
        (Status.CONFIRMED, OrderRecord.paid),
    ],
)
def test_a_move_the_status_does_not_allow_is_refused(
    status: Status, move: Callable[[OrderRecord], OrderRecord]
) -> None:
    before = record(status=status)
    with pytest.raises(MoveRefused, match=f"^an order cannot move from {status} to "):
        move(before).stored(before, before.updated_at)


def test_every_saga_path_is_an_allowed_move() -> None:
    order = record()
    for move in (
        OrderRecord.reserved,
        lambda o: o.payment_started(o.updated_at),
        OrderRecord.paid,
        OrderRecord.confirmed,
        lambda o: o.cancelled(CancelReason.PAYMENT_REFUNDED),
    ):
        order = move(order).stored(order, order.updated_at)
    assert (order.status, order.version) == (Status.CANCELLED, 5)
    assert order.cancel_reason is CancelReason.PAYMENT_REFUNDED


def test_a_cancellation_asked_earlier_keeps_its_reason() -> None:
    asked = record().cancel_asked(CancelReason.CUSTOMER_CANCELLED)
    again = asked.cancel_asked(CancelReason.PAYMENT_DECLINED)
    assert again.cancel_requested is CancelReason.CUSTOMER_CANCELLED
    done = again.cancelled(again.cancel_requested)
    assert (done.status, done.cancel_reason, done.cancel_requested) == (
        Status.CANCELLED,
        CancelReason.CUSTOMER_CANCELLED,
        None,
    )


def test_recording_a_payment_keeps_the_known_last_digits_when_payment_has_none() -> None:
    seen = PaymentSeen.from_body({"id": "p1", "status": "SUCCEEDED", "card_last4": None})
    paid = record().with_payment(seen, PaymentStatus.SUCCEEDED)
    assert (paid.payment_id, paid.payment_status, paid.card_last4) == (
        "p1",
        PaymentStatus.SUCCEEDED,
        "4242",
    )
    assert PaymentSeen.from_body({"status": 3}).status == "3"  # unknown: kept as said


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (Reply(409, {"error": {"code": "stock_conflict", "message": "retry"}}), "stock_conflict"),
        (Reply(502, None), "http_502"),  # no body
        (Reply(400, ["not", "an", "object"]), "http_400"),
        (Reply(409, {"error": "conflict"}), "http_409"),  # error without a code
        (Reply(422, {"error": {"code": None}}), "http_422"),
    ],
)
def test_the_error_code_of_a_reply_whatever_its_body(reply: Reply, code: str) -> None:
    assert error_code(reply) == code
