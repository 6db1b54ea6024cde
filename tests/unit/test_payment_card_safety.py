"""Card data in payment's memory prints as its last four digits and nothing more (logs,
tracebacks and debuggers show ``repr``), and the settlement back-off stays bounded however
often one payment is checked."""

from __future__ import annotations

import pytest

from mercado_payment.domain.payments import next_check_delay
from mercado_payment.operations.charge import CardDetails


@pytest.mark.parametrize("number", ["4000056655665556", "5555555555554444", "378282246310005"])
def test_a_card_prints_as_its_last_four_digits_only(number: str) -> None:
    card = CardDetails(number, 12, 2030, "987")
    assert repr(card) == f"CardDetails(last4={number[-4:]})"
    assert str(card) == repr(card)
    # No run of five or more of its digits, anywhere in what it prints.
    shown = repr(card)
    assert not any(number[i : i + 5] in shown for i in range(len(number) - 4))


def test_the_back_off_doubles_then_stays_at_its_cap_for_ever() -> None:
    assert [next_check_delay(1.0, n, cap=600.0) for n in range(6)] == [1, 2, 4, 8, 16, 32]
    assert next_check_delay(1.0, 10, cap=5000.0) == 1024.0
    assert next_check_delay(0.5, 10_000) == 30.0  # no overflow, the default cap
    assert next_check_delay(0.5, 10_000, cap=7.5) == 7.5
