"""The bank simulator's rules: test cards, expiry, request fingerprints, state moves."""

from __future__ import annotations

import random
from datetime import date

import pytest

from mercado_bank.domain import authorizations as moves
from mercado_bank.domain.authorizations import Faults, Status, TransitionRefused
from mercado_bank.domain.cards import (
    InvalidCard,
    Rule,
    decline_code,
    fingerprint,
    rule_for,
)
from mercado_contracts.cards import last4, luhn_valid

TODAY = date(2026, 6, 15)


@pytest.mark.parametrize(
    ("number", "rule", "code"),
    [
        ("4242424242424242", Rule.APPROVE, None),
        ("4000000000000002", Rule.DECLINE, "card_declined"),
        ("4000000000009995", Rule.INSUFFICIENT_FUNDS, "insufficient_funds"),
        ("4000000000000341", Rule.SLOW, None),
        ("4000000000000077", Rule.FAIL_FIRST, None),
        ("5555555555554444", Rule.APPROVE, None),  # any other valid number is approved
    ],
)
def test_test_cards(number: str, rule: Rule, code: str | None) -> None:
    assert luhn_valid(number)
    assert rule_for(number) is rule
    assert decline_code(rule, 12, 2030, TODAY) == code
    assert last4(number) == number[-4:]


@pytest.mark.parametrize("number", ["4242424242424241", "12345", "4242x42424242424", ""])
def test_invalid_numbers_are_refused_without_echoing_them(number: str) -> None:
    assert not luhn_valid(number)
    with pytest.raises(InvalidCard) as info:
        rule_for(number)
    assert number not in str(info.value) or number == ""


def test_expired_card_is_declined_even_when_it_would_succeed() -> None:
    assert decline_code(Rule.APPROVE, 5, 2026, TODAY) == "expired_card"
    assert decline_code(Rule.APPROVE, 6, 2026, TODAY) is None  # valid through its month


def test_fingerprint_tells_requests_apart_and_hides_the_card() -> None:
    request = {"amount": 100, "currency": "EUR", "card": ["4242424242424242", 12, 2030, "123"]}
    same = dict(reversed(list(request.items())))
    other = {**request, "amount": 101}
    fp = fingerprint(b"key", request)
    assert fp == fingerprint(b"key", same)
    assert fp != fingerprint(b"key", other)
    assert fp != fingerprint(b"another key", request)
    assert "4242" not in fp


def test_capture_and_refund_moves() -> None:
    assert moves.capture(Status.AUTHORIZED) is Status.CAPTURED
    assert moves.capture(Status.CAPTURED) is Status.CAPTURED
    assert moves.refund(Status.CAPTURED) is Status.REFUNDED
    assert moves.refund(Status.REFUNDED) is Status.REFUNDED
    for status in (Status.DECLINED, Status.CLOSED):
        with pytest.raises(TransitionRefused):
            moves.refund(status)
        with pytest.raises(TransitionRefused):
            moves.capture(status)
    with pytest.raises(TransitionRefused):
        moves.capture(Status.REFUNDED)


def test_failure_rate() -> None:
    rng = random.Random(7)
    assert not any(Faults(failure_rate=0.0).should_fail(rng) for _ in range(1000))
    assert all(Faults(failure_rate=1.0).should_fail(rng) for _ in range(1000))
    share = sum(Faults(failure_rate=0.3).should_fail(rng) for _ in range(10_000)) / 10_000
    assert 0.25 < share < 0.35
