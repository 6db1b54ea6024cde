"""Payment rules: how a bank record settles a payment, refunds, keys, back-off."""

from __future__ import annotations

import pytest

from mercado_payment.domain.payments import (
    PROCESSING_ERROR,
    RefundRefused,
    Settlement,
    Status,
    bank_key,
    check_refundable,
    metric_outcome,
    next_check_delay,
    settlement,
)
from mercado_payment.domain.record import BankAnswer, MoveRefused, check_move
from mercado_payment.operations.charge import CardDetails


@pytest.mark.parametrize(
    ("bank_status", "code", "expected"),
    [
        ("captured", None, Settlement(Status.SUCCEEDED, None)),
        ("authorized", None, Settlement(Status.SUCCEEDED, None)),
        ("declined", "insufficient_funds", Settlement(Status.DECLINED, "insufficient_funds")),
        ("declined", None, Settlement(Status.DECLINED, "card_declined")),
        ("closed", None, Settlement(Status.DECLINED, PROCESSING_ERROR)),
        ("refunded", None, Settlement(Status.REFUNDED, None)),
        ("something new", None, None),
    ],
)
def test_settlement_from_bank_record(
    bank_status: str, code: str | None, expected: Settlement | None
) -> None:
    assert settlement(bank_status, code) == expected


def test_metric_outcomes() -> None:
    assert metric_outcome(Settlement(Status.SUCCEEDED, None)) == "succeeded"
    assert metric_outcome(Settlement(Status.DECLINED, "card_declined")) == "declined"
    assert metric_outcome(Settlement(Status.DECLINED, PROCESSING_ERROR)) == "failed"


def test_refundable_states() -> None:
    assert check_refundable(Status.SUCCEEDED) is True
    assert check_refundable(Status.REFUNDED) is False  # already done: idempotent
    with pytest.raises(RefundRefused) as pending:
        check_refundable(Status.PENDING)
    assert pending.value.code == "payment_pending"
    with pytest.raises(RefundRefused) as declined:
        check_refundable(Status.DECLINED)
    assert declined.value.code == "payment_not_refundable"


def test_bank_key_is_derived_from_the_order() -> None:
    assert bank_key("order-1") == bank_key("order-1") != bank_key("order-2")


def test_back_off_grows_and_is_capped() -> None:
    delays = [next_check_delay(0.5, n) for n in range(12)]
    assert delays[:3] == [0.5, 1.0, 2.0]
    assert max(delays) == 30.0
    assert delays == sorted(delays)
    # The wait doubles for the first ten checks only, even below the cap.
    assert next_check_delay(0.01, 10) == next_check_delay(0.01, 25) == 10.24


def test_card_details_never_print_the_number() -> None:
    card = CardDetails("4242424242424242", 12, 2030, "987")
    assert "4242424242424242" not in repr(card) and "987" not in repr(card)
    assert "4242" in repr(card)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Status.PENDING, Status.SUCCEEDED),
        (Status.PENDING, Status.DECLINED),
        (Status.PENDING, Status.REFUNDED),  # the bank had refunded it before we asked
        (Status.SUCCEEDED, Status.REFUNDED),
    ],
)
def test_a_payment_settles_once_and_a_success_may_be_refunded(
    before: Status, after: Status
) -> None:
    check_move(before, after)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Status.DECLINED, Status.SUCCEEDED),
        (Status.REFUNDED, Status.SUCCEEDED),
        (Status.SUCCEEDED, Status.DECLINED),
        (Status.SUCCEEDED, Status.PENDING),
        (Status.PENDING, Status.PENDING),
    ],
)
def test_any_other_move_of_a_payment_is_refused(before: Status, after: Status) -> None:
    with pytest.raises(MoveRefused) as refused:
        check_move(before, after)
    assert str(refused.value) == f"a payment cannot move from {before} to {after}"


def test_a_bank_answer_reads_what_settles_a_payment_and_tolerates_missing_fields() -> None:
    answer = BankAnswer.from_body(
        {"id": "a1", "status": "declined", "decline_code": "card_declined", "extra": 1}
    )
    assert answer == BankAnswer("a1", "declined", "card_declined", None, None)
    assert settlement(answer.status, answer.decline_code) == Settlement(
        Status.DECLINED, "card_declined"
    )
    assert settlement(BankAnswer.from_body({}).status, None) is None  # nothing known yet
