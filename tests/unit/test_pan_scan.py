"""The suite's card-number scan finds what it must and leaves ids and timestamps alone."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.pan_scan import cards_in_test_sources, scan_folder

KNOWN = frozenset({"4000000000000341"})


@pytest.fixture
def folder() -> Iterator[Path]:
    """Outside the session's temporary folders, which the session-end scan reads."""
    with tempfile.TemporaryDirectory(prefix="pan-scan-") as tmp:
        yield Path(tmp)


def test_the_cards_the_tests_use_are_known() -> None:
    known = cards_in_test_sources()
    assert {"4242424242424242", "4000000000000341", "5555555555554444"} <= known
    assert "4242424242424241" not in known  # fails the Luhn check: not a card


def test_card_numbers_are_found_in_text_and_binary_files(folder: Path) -> None:
    (folder / "svc.log").write_text('{"message": "charging 5105105105105100 now"}\n')
    (folder / "deep").mkdir()
    (folder / "deep" / "svc.db").write_bytes(b"\x00\x17\x034000000000000341\x00\x01")
    found = {(f.path.name, f.number) for f in scan_folder(folder, KNOWN)}
    assert found == {("svc.log", "5105105105105100"), ("svc.db", "4000000000000341")}
    assert "510510******5100" in str(scan_folder(folder, KNOWN)[1])


def test_ids_timestamps_and_other_numbers_are_not_cards(folder: Path) -> None:
    (folder / "ok.log").write_text(
        "0b7c4f7e-6a55-4c1e-9a37-234567890128 "  # a UUID whose last group is all digits
        "trace 34c78c8d357c04946d0840239271234567890128 "  # a long hex id
        "at 1764512345678901234 "  # nanoseconds: no card starts with 1
        "amount 5105105105105101 "  # fails the Luhn check
        "last4 4242 order 12345678901234567890123 "  # too long for a card
        '"running_time": 3.339663157999894'  # a float's fraction
    )
    assert scan_folder(folder, KNOWN) == []


def test_a_card_after_a_full_stop_is_still_found(folder: Path) -> None:
    (folder / "svc.log").write_text("paid.5105105105105100 and v1.339663157999894\n")
    assert [f.number for f in scan_folder(folder, KNOWN)] == ["5105105105105100"]
