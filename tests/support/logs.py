"""What a logger wrote during a test, read back line by line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest


def logged(caplog: pytest.LogCaptureFixture, logger: str) -> list[str]:
    """The messages ``logger`` wrote, formatted exactly as an operator reads them."""
    return [r.getMessage() for r in caplog.records if r.name == logger]


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextmanager
def captured(logger: str, level: int = logging.DEBUG) -> Iterator[list[str]]:
    """The messages ``logger`` writes inside the block, read at the logger itself: a service
    started in the test sets the root logger's handlers (pytest's capture among them) anew."""
    handler = _Lines()
    log = logging.getLogger(logger)
    before = log.level
    log.addHandler(handler)
    log.setLevel(level)
    try:
        yield handler.lines
    finally:
        log.removeHandler(handler)
        log.setLevel(before)
