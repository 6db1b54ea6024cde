"""What a logger wrote during a test, read back line by line."""

from __future__ import annotations

import pytest


def logged(caplog: pytest.LogCaptureFixture, logger: str) -> list[str]:
    """The messages ``logger`` wrote, formatted exactly as an operator reads them."""
    return [r.getMessage() for r in caplog.records if r.name == logger]
