"""What the mails say: money formatting, reasons, Message-IDs and the templates."""

from __future__ import annotations

import pytest

from mercado_notifications.domain.messages import (
    Kind,
    UnknownEvent,
    format_money,
    kind_of,
    message_id,
    order_recipient,
    reason_text,
)
from mercado_notifications.mail.render import Renderer, build_message

ORDER = {
    "id": "0f7b5c1e-1111-2222-3333-444455556666",
    "status": "CANCELLED",
    "cancel_reason": "payment_declined",
    "customer": {"email": "a@example.com"},
    "lines": [
        {
            "product_id": "p",
            "sku": "MUG-1",
            "name": "Mug",
            "quantity": 2,
            "unit_price": {"amount": 1250, "currency": "EUR"},
            "line_total": {"amount": 2500, "currency": "EUR"},
        }
    ],
    "total": {"amount": 2500, "currency": "EUR"},
    "payment": {"status": "DECLINED", "card_last4": "0002", "decline_code": "card_declined"},
}


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (1999, "EUR", "19.99 EUR"),
        (5, "EUR", "0.05 EUR"),
        (123456, "USD", "1,234.56 USD"),
        (500, "JPY", "500 JPY"),
        (1234, "KWD", "1.234 KWD"),
    ],
)
def test_format_money(amount: int, currency: str, text: str) -> None:
    assert format_money(amount, currency) == text


def test_kinds_and_reasons() -> None:
    assert kind_of("order.confirmed") is Kind.ORDER_CONFIRMED
    assert kind_of("low_stock") is Kind.LOW_STOCK
    with pytest.raises(UnknownEvent):
        kind_of("order.placed")
    assert reason_text("payment_declined") == "the payment was declined"
    assert reason_text("something_new") == "something new"


def test_message_id_is_derived_from_the_event() -> None:
    assert message_id("e-1", "mercado.local") == "<e-1@mercado.local>"
    assert message_id("e-2", "mercado.local") == "<e-2@mercado.local>"
    assert message_id("e-1", "shop.example") == "<e-1@shop.example>"


def test_order_recipient_requires_an_address() -> None:
    assert order_recipient(" A@Example.com ") == "a@example.com"
    with pytest.raises(ValueError, match="e-mail"):
        order_recipient("nobody")


def test_cancelled_mail_lists_the_order_and_says_why() -> None:
    subject, body = Renderer("Mercado").render(
        Kind.ORDER_CANCELLED, order=ORDER, reason=reason_text("payment_declined")
    )
    assert subject == "Mercado: your order 0f7b5c1e is cancelled"
    assert "the payment was declined" in body
    assert "2 x Mug (MUG-1)" in body and "25.00 EUR" in body
    assert "Nothing was charged." in body


def test_confirmed_mail_and_message_headers() -> None:
    order = {
        **ORDER,
        "status": "CONFIRMED",
        "cancel_reason": None,
        "payment": {"status": "SUCCEEDED", "card_last4": "4242", "decline_code": None},
    }
    subject, body = Renderer("Shop").render(Kind.ORDER_CONFIRMED, order=order, reason="")
    assert "confirmed" in subject
    assert "Total: 25.00 EUR" in body and "ending in 4242" in body
    msg = build_message("Shop <s@x.test>", "a@example.com", subject, body, "<e-1@x.test>")
    assert msg["Message-ID"] == "<e-1@x.test>"
    assert msg["To"] == "a@example.com"


def test_low_stock_mail() -> None:
    subject, body = Renderer("Mercado").render(
        Kind.LOW_STOCK, stock={"sku": "MUG-1", "available": 2, "threshold": 5}
    )
    assert "MUG-1" in subject
    assert "2 available" in body
