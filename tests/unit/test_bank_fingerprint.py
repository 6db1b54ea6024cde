"""What the bank's idempotency fingerprint covers, byte for byte.

The fingerprint is stored with each authorization and compared when a request comes again
under the same Idempotency-Key, possibly after the bank was upgraded: the text it hashes is
part of the stored format. It must cover the whole request (amount, currency, capture,
reference and the card, or the card token) and nothing else, in this exact canonical form.
"""

from __future__ import annotations

import hashlib
import hmac

from mercado_bank.domain.cards import Card, fingerprint
from mercado_bank.operations.authorize import AuthorizeInput

KEY = b"fingerprint-test-key"


def _hmac(text: bytes) -> str:
    return hmac.new(KEY, text, hashlib.sha256).hexdigest()


def _with_card(**changes: object) -> AuthorizeInput:
    values: dict[str, object] = {
        "key": "idem-1",
        "amount": 2500,
        "currency": "EUR",
        "capture": False,
        "reference": "ord-1",
        "card": Card("4242424242424242", 12, 2030, "123"),
    }
    return AuthorizeInput(**(values | changes))  # type: ignore[arg-type]


def test_a_card_request_is_fingerprinted_in_its_stored_canonical_form() -> None:
    text = (
        b'{"amount":2500,"capture":false,"card":["4242424242424242",12,2030,"123"],'
        b'"currency":"EUR","reference":"ord-1"}'
    )
    assert fingerprint(KEY, _with_card().fingerprint_material()) == _hmac(text)


def test_a_token_request_is_fingerprinted_with_its_token() -> None:
    req = _with_card(card=None, card_token="tok_abc", capture=True, reference=None)
    text = b'{"amount":2500,"capture":true,"card":"tok_abc","currency":"EUR","reference":null}'
    assert fingerprint(KEY, req.fingerprint_material()) == _hmac(text)
    other = _with_card(card=None, card_token="tok_xyz", capture=True, reference=None)
    assert fingerprint(KEY, other.fingerprint_material()) != _hmac(text)


def test_the_idempotency_key_itself_is_not_part_of_the_request() -> None:
    assert _with_card(key="idem-2").fingerprint_material() == _with_card().fingerprint_material()


def test_every_field_of_the_request_changes_the_fingerprint() -> None:
    base = fingerprint(KEY, _with_card().fingerprint_material())
    changed = [
        _with_card(amount=2501),
        _with_card(currency="USD"),
        _with_card(capture=True),
        _with_card(reference="ord-2"),
        _with_card(card=Card("5555555555554444", 12, 2030, "123")),
        _with_card(card=Card("4242424242424242", 11, 2030, "123")),
        _with_card(card=Card("4242424242424242", 12, 2031, "123")),
        _with_card(card=Card("4242424242424242", 12, 2030, "124")),
    ]
    prints = [fingerprint(KEY, c.fingerprint_material()) for c in changed]
    assert base not in prints and len(set(prints)) == len(prints)
    assert fingerprint(b"another-key", _with_card().fingerprint_material()) != base
