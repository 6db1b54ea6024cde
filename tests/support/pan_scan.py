"""The card-number scan: no file the services write while the suite runs (logs, SQLite and
PostgreSQL databases, the JetStream store that holds every event, mails) may hold a card
number (a PAN).

Two rules, over the bytes of every file:

- every card number the tests themselves send (each 12-19 digit, Luhn-valid literal in the
  test sources), wherever it appears;
- any other 12-19 digit run that passes the Luhn check and starts as a payment card does
  (major industry identifier 2-6), once UUIDs and long hexadecimal ids are set aside (their
  digit-only stretches are not card numbers), and the fraction of a decimal number too
  (``3.339663157999894`` seconds in a JSON report is a float, not a card).

Folders a test deletes before the session ends (the PostgreSQL server's) are scanned by
``scan_before_removal`` as they go; the rest is scanned when the session ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mercado_contracts.cards import luhn_valid

TESTS = Path(__file__).resolve().parents[1]

_DIGIT_RUN = re.compile(rb"[0-9]{12,}")
_HEX_TOKEN = re.compile(rb"[0-9a-fA-F-]*")
_UUID = re.compile(rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_ALNUM = frozenset(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LITERAL = re.compile(r"""["'](\d{12,19})["']""")
_CHUNK = 8 * 1024 * 1024
_OVERLAP = 64


@dataclass(frozen=True)
class Finding:
    path: Path
    number: str

    def __str__(self) -> str:
        masked = self.number[:6] + "*" * (len(self.number) - 10) + self.number[-4:]
        return f"{self.path}: card number {masked}"


def cards_in_test_sources(sources: Path = TESTS) -> frozenset[str]:
    """Every Luhn-valid 12-19 digit literal in the test sources: the cards the suite uses."""
    found: set[str] = set()
    for path in sources.rglob("*.py"):
        found.update(n for n in _LITERAL.findall(path.read_text()) if luhn_valid(n))
    return frozenset(found)


def looks_like_a_card(digits: str) -> bool:
    return digits[0] in "23456" and luhn_valid(digits)


def _chunks(path: Path) -> Iterable[bytes]:
    with path.open("rb") as fh:
        tail = b""
        while block := fh.read(_CHUNK):
            yield tail + block
            tail = block[-_OVERLAP:]


def _in_an_id(chunk: bytes, start: int, end: int) -> bool:
    """Whether the digits at ``start:end`` are part of a UUID or a long hexadecimal id."""
    left = start
    while left > 0 and chunk[left - 1] in b"0123456789abcdefABCDEF-":
        left -= 1
    token = _HEX_TOKEN.match(chunk, left)
    assert token is not None
    text = token.group()
    if _UUID.search(text):
        return True
    return any(len(part) >= 20 for part in text.split(b"-"))


def _a_fraction(chunk: bytes, start: int) -> bool:
    """Whether the digits at ``start`` follow a decimal point: ``<digit>.<digits>``."""
    return start >= 2 and chunk[start - 1 : start] == b"." and chunk[start - 2] in b"0123456789"


def _card_at(chunk: bytes, m: re.Match[bytes], known: frozenset[str]) -> str | None:
    digits = m.group().decode()
    if not 12 <= len(digits) <= 19:
        return None
    if digits in known:
        return digits
    start, end = m.span()
    bounded = (start == 0 or chunk[start - 1] not in _ALNUM) and (
        end == len(chunk) or chunk[end] not in _ALNUM
    )
    if (
        bounded
        and looks_like_a_card(digits)
        and not _in_an_id(chunk, start, end)
        and not _a_fraction(chunk, start)
    ):
        return digits
    return None


def scan_file(path: Path, known: frozenset[str]) -> set[str]:
    """The card numbers found in one file."""
    found: set[str] = set()
    for chunk in _chunks(path):
        for m in _DIGIT_RUN.finditer(chunk):
            if (digits := _card_at(chunk, m, known)) is not None:
                found.add(digits)
    return found


def scan_folder(folder: Path, known: frozenset[str]) -> list[Finding]:
    findings = []
    for path in sorted(folder.rglob("*")):
        try:
            if path.is_symlink() or not path.is_file():
                continue
            numbers = scan_file(path, known)
        except OSError:  # a socket, or a file another process removed meanwhile
            continue
        findings.extend(Finding(path, n) for n in sorted(numbers))
    return findings


class Scan:
    """Findings gathered during the session (folders scanned before their removal)."""

    def __init__(self) -> None:
        self.known = cards_in_test_sources()
        self.findings: list[Finding] = []
        self.scanned: list[Path] = []

    def folder(self, folder: Path) -> None:
        if folder.exists():
            self.findings.extend(scan_folder(folder, self.known))
            self.scanned.append(folder)


SESSION = Scan()


def scan_before_removal(folder: Path) -> None:
    """Scans ``folder`` now (it is about to be deleted); findings count at session end."""
    SESSION.folder(folder)
