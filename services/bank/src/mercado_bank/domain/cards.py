"""Test cards and what the simulated acquirer does with each (no I/O).

The numbers follow the well-known test cards of payment providers. Any other number that
passes the Luhn check is approved, like a sandbox accepting every well-formed card.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from mercado_contracts.cards import luhn_valid
from mercado_contracts.errors import DeclineCode


class Rule(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    SLOW = "slow"  # recorded as approved, answered only after a long delay
    FAIL_FIRST = "fail_first"  # HTTP 503 on the first try of a key, then approved


TEST_CARDS: dict[str, Rule] = {
    "4242424242424242": Rule.APPROVE,
    "4000000000000002": Rule.DECLINE,
    "4000000000009995": Rule.INSUFFICIENT_FUNDS,
    "4000000000000341": Rule.SLOW,
    "4000000000000077": Rule.FAIL_FIRST,
}

_DECLINE_CODES = {
    Rule.DECLINE: DeclineCode.CARD_DECLINED.value,
    Rule.INSUFFICIENT_FUNDS: DeclineCode.INSUFFICIENT_FUNDS.value,
}


class InvalidCard(ValueError):
    """The card number is not a card number (never carries the number itself)."""


@dataclass(frozen=True)
class Card:
    number: str
    exp_month: int
    exp_year: int
    cvc: str


def rule_for(number: str) -> Rule:
    if not luhn_valid(number):
        raise InvalidCard("card number is not a valid card number")
    return TEST_CARDS.get(number, Rule.APPROVE)


def expired(exp_month: int, exp_year: int, today: date) -> bool:
    return (exp_year, exp_month) < (today.year, today.month)


def decline_code(rule: Rule, exp_month: int, exp_year: int, today: date) -> str | None:
    """Why the card is declined, or None when it is approved."""
    if expired(exp_month, exp_year, today):
        return DeclineCode.EXPIRED_CARD.value
    return _DECLINE_CODES.get(rule)


def fingerprint(key: bytes, request: dict[str, object]) -> str:
    """A keyed hash of an authorization request: two requests under one idempotency key
    must be the same request. Keyed, so the stored value reveals no card number."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, canonical, hashlib.sha256).hexdigest()
