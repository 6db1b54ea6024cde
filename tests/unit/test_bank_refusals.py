"""What the bank answers when it refuses, and what it must keep stable across releases: the
error codes clients branch on, the fingerprint stored under every idempotency key, and
fault draws that a seeded test run can reproduce."""

from __future__ import annotations

import hashlib
import hmac
import random

import pytest

from mercado_bank.domain import authorizations as moves
from mercado_bank.domain.authorizations import Faults, Status, TransitionRefused
from mercado_bank.domain.cards import InvalidCard, fingerprint, rule_for


@pytest.mark.parametrize("status", [Status.DECLINED, Status.CLOSED, Status.REFUNDED])
def test_a_refused_capture_says_why_with_a_stable_code(status: Status) -> None:
    with pytest.raises(TransitionRefused) as info:
        moves.capture(status)
    assert info.value.code == "not_capturable"
    assert str(info.value) == f"a {status.value} authorization cannot be captured"


@pytest.mark.parametrize("status", [Status.DECLINED, Status.CLOSED])
def test_a_refused_refund_says_why_with_a_stable_code(status: Status) -> None:
    with pytest.raises(TransitionRefused) as info:
        moves.refund(status)
    assert info.value.code == "not_refundable"
    assert str(info.value) == f"a {status.value} authorization cannot be refunded"


def test_an_invalid_number_is_refused_with_a_message_a_person_can_read() -> None:
    with pytest.raises(InvalidCard) as info:
        rule_for("4242424242424241")
    assert str(info.value) == "card number is not a valid card number"


@pytest.mark.parametrize(
    ("request_", "canonical"),
    [
        (
            {
                "reference": "order-1",
                "amount": 1999,
                "currency": "EUR",
                "capture": True,
                "card": ["4242424242424242", 12, 2030, "123"],
            },
            b'{"amount":1999,"capture":true,"card":["4242424242424242",12,2030,"123"],'
            b'"currency":"EUR","reference":"order-1"}',
        ),
        (
            {
                "card": "tok_abc",
                "capture": False,
                "reference": None,
                "currency": "EUR",
                "amount": 5,
            },
            b'{"amount":5,"capture":false,"card":"tok_abc","currency":"EUR","reference":null}',
        ),
    ],
)
def test_the_fingerprint_is_the_keyed_hash_of_the_compact_sorted_request(
    request_: dict[str, object], canonical: bytes
) -> None:
    """Fingerprints are stored: a replay after an upgrade must hash to the same value, so
    the canonical form (sorted keys, no spaces) is part of the bank's contract."""
    expected = hmac.new(b"bank-key", canonical, hashlib.sha256).hexdigest()
    assert fingerprint(b"bank-key", request_) == expected


def test_fault_draws_come_from_the_generator_given() -> None:
    """A test run that seeds the generator sees the same failures every time."""
    faults = Faults(failure_rate=0.5)
    seeded = [faults.should_fail(random.Random(42)) for _ in range(3)]
    draws = random.Random(42)
    expected = draws.random() < 0.5
    assert seeded == [expected] * 3
    run_a = [faults.should_fail(rng) for rng in [random.Random(1)] for _ in range(200)]
    run_b = [faults.should_fail(rng) for rng in [random.Random(1)] for _ in range(200)]
    assert run_a == run_b
    assert 0 < sum(run_a) < 200
