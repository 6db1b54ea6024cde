"""The contracts every service shares: one rule per thing that crosses a boundary, and the
services that used to disagree now agree at both ends of each rule."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from mercado_bank.api.schemas import AuthorizeRequest
from mercado_catalog.api.schemas import ProductCreate
from mercado_contracts.cards import luhn_valid
from mercado_contracts.errors import RESERVATION_GONE, RESERVATION_REFUSED, ErrorCode
from mercado_contracts.events import EVENTS, LowStock, OrderConfirmed, StockChanged
from mercado_contracts.events.schema import SCHEMA_FILE, render
from mercado_contracts.ids import (
    IDEMPOTENCY_KEY_PATTERN,
    PUBLIC_ID_PATTERN,
    SKU_PATTERN,
    product_id_for,
    valid_idempotency_key,
)
from mercado_contracts.limits import (
    MAX_LINE_QUANTITY,
    MAX_ORDER_LINES,
    MAX_RESERVATION_LINES,
    MAX_RESERVATION_QUANTITY,
)
from mercado_contracts.money import MAX_AMOUNT, MAX_UNIT_PRICE
from mercado_orders.api.schemas import OrderCreate
from mercado_payment.api.schemas import PaymentCreate
from mercado_toolkit.events.consumer import Subscription
from mercado_toolkit.events.envelope import Envelope

TOKEN = "tok_" + "0123456789abcdef" * 2
LUHN_12 = "000000000018"  # 12 digits, passes Luhn
LUHN_19 = "0000000000000000026"  # 19 digits, passes Luhn
LUHN_11 = "00000000018"  # 11 digits: passes the checksum, too short for a card
LUHN_20 = "00000000000000000034"  # 20 digits: passes the checksum, too long


def _card(number: str) -> dict[str, Any]:
    return {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}


def _order(payment: dict[str, Any]) -> dict[str, Any]:
    return {
        "customer": {"email": "a@example.com"},
        "lines": [{"product_id": "00000000-0000-0000-0000-000000000001", "quantity": 1}],
        "payment": payment,
    }


def _charge(amount: int = 100, **method: Any) -> dict[str, Any]:
    return {"order_id": "o-1", "amount": {"amount": amount, "currency": "EUR"}, **method}


def _authorization(**method: Any) -> dict[str, Any]:
    return {"amount": {"amount": 100, "currency": "EUR"}, **method}


def _product(amount: int) -> dict[str, Any]:
    price = {"amount": amount, "currency": "EUR"}
    return {"sku": "SKU-1", "name": "n", "category": "books", "price": price}


def _accepted(model: Any, body: dict[str, Any]) -> bool:
    try:
        model.model_validate(body)
    except ValidationError:
        return False
    return True


# -- cards ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4242424242424242", True),
        ("4000000000000341", True),
        (LUHN_12, True),
        (LUHN_19, True),
        (LUHN_11, False),
        (LUHN_20, False),
        ("4242424242424241", False),
        ("42424242x4242424", False),
        ("", False),
    ],
)
def test_one_luhn_rule_includes_the_12_to_19_digit_length(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(
    ("number", "ok"), [(LUHN_12, True), (LUHN_19, True), (LUHN_11, False), (LUHN_20, False)]
)
def test_orders_payment_and_bank_take_the_same_card_numbers(number: str, ok: bool) -> None:
    assert _accepted(OrderCreate, _order({"card": _card(number)})) is ok
    assert _accepted(PaymentCreate, _charge(card=_card(number))) is ok
    assert _accepted(AuthorizeRequest, _authorization(card=_card(number))) is ok


@pytest.mark.parametrize(
    ("token", "ok"),
    [
        (TOKEN, True),
        ("tok_" + "0" * 31, False),
        ("tok_" + "A" * 32, False),
        ("card-token:123", False),  # orders used to accept any token of these characters
        ("nope", False),
    ],
)
def test_orders_payment_and_bank_take_the_same_card_tokens(token: str, ok: bool) -> None:
    assert _accepted(OrderCreate, _order({"card_token": token})) is ok
    assert _accepted(PaymentCreate, _charge(card_token=token)) is ok
    assert _accepted(AuthorizeRequest, _authorization(card_token=token)) is ok


def test_card_input_never_prints_the_number() -> None:
    order = OrderCreate.model_validate(_order({"card": _card("4242424242424242")}))
    assert "4242424242424242" not in repr(order)
    assert "4242424242424242" not in str(order.payment.card)


# -- money --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "ok"),
    [(0, False), (1, True), (MAX_UNIT_PRICE, True), (MAX_UNIT_PRICE + 1, False)],
)
def test_catalog_prices_are_amounts_payment_charges(amount: int, ok: bool) -> None:
    assert _accepted(ProductCreate, _product(amount)) is ok
    if ok:  # the most expensive order of such products is still a charge payment takes
        largest = amount * MAX_ORDER_LINES * MAX_LINE_QUANTITY
        assert largest <= MAX_AMOUNT
        assert _accepted(PaymentCreate, _charge(largest, card=_card("4242424242424242")))
    else:
        assert amount == 0 or amount * MAX_ORDER_LINES * MAX_LINE_QUANTITY > MAX_AMOUNT


def test_a_largest_order_fits_one_reservation() -> None:
    assert MAX_ORDER_LINES <= MAX_RESERVATION_LINES
    assert MAX_ORDER_LINES * MAX_LINE_QUANTITY <= MAX_RESERVATION_QUANTITY


# -- ids and keys -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("abc-123", True),
        ("k" * 200, True),
        ("payment:o-1/retry~2", True),
        ("k" * 201, False),
        ("with space", False),  # orders used to accept it, the gateway refused it
        ("é", False),  # likewise
        ("", False),
    ],
)
def test_idempotency_key_rule(key: str, ok: bool) -> None:
    assert valid_idempotency_key(key) is ok  # what orders applies
    assert bool(re.fullmatch(IDEMPOTENCY_KEY_PATTERN, key)) is ok  # the gateway's header rule


def test_every_sku_the_catalog_creates_is_one_inventory_takes() -> None:
    for sku in ("ABC", "SKU-000", "A" * 64, "9-9"):
        assert _accepted(ProductCreate, {**_product(100), "sku": sku})
        assert re.fullmatch(SKU_PATTERN, sku)


def test_a_product_id_follows_from_its_sku_alone() -> None:
    skus = ("BK-001", "BK-002", "bk-001", "A" * 64)
    ids = [product_id_for(sku) for sku in skus]
    assert ids == [product_id_for(sku) for sku in skus]  # the same in every shop
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 5 and re.fullmatch(PUBLIC_ID_PATTERN, i) for i in ids)


# -- error codes --------------------------------------------------------------------------


def test_error_codes_the_saga_acts_on() -> None:
    """The sets are made of declared codes (what inventory really answers is checked by
    tests/integration/test_inventory_expiry.py against a running inventory)."""
    assert {"out_of_stock", "unknown_sku"} == RESERVATION_REFUSED
    assert {"reservation_not_active", "reservation_not_found"} == RESERVATION_GONE
    assert set(ErrorCode) >= RESERVATION_REFUSED | RESERVATION_GONE
    assert not RESERVATION_REFUSED & RESERVATION_GONE


# -- events -------------------------------------------------------------------------------


def test_the_committed_event_schema_is_fresh() -> None:
    assert SCHEMA_FILE.read_text() == render(), (
        "the event contracts changed: run `make contracts` and commit "
        "packages/contracts/events.schema.json"
    )


def test_every_event_has_one_subject_and_a_version() -> None:
    subjects = [model.subject() for model in EVENTS]
    assert len(set(subjects)) == len(subjects)
    assert all(s.startswith("mercado.") for s in subjects)
    assert all(model.VERSION >= 1 for model in EVENTS)


async def _ignore(*_: object) -> None:
    return None


def test_a_consumer_validates_what_it_receives() -> None:
    sub = Subscription(durable="d", events=[StockChanged], handler=_ignore)
    assert sub.subjects == ["mercado.inventory.stock_changed"]
    good = Envelope(
        type="stock_changed",
        source="inventory",
        data={"sku": "A", "available": 1, "reserved": 0, "sold": 0, "version": 3},
    )
    assert sub.payload(good) == StockChanged(sku="A", available=1, reserved=0, sold=0, version=3)
    with pytest.raises(ValueError, match="available"):
        sub.payload(good.model_copy(update={"data": {**good.data, "available": "many"}}))
    with pytest.raises(ValueError, match="takes no"):
        sub.payload(Envelope(type="low_stock", source="inventory", data={}))


def test_payloads_are_validated_when_built() -> None:
    with pytest.raises(ValidationError):
        LowStock(sku="A", available="x", threshold=1)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        OrderConfirmed.model_validate({"order_id": "o"})
