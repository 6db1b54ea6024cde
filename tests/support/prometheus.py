"""Debian's Prometheus server and promtool for the observability tests."""

from __future__ import annotations

import shutil

import pytest


def _binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/bin")
    if found is None:
        pytest.fail(f"{name} not found: `make system-deps` installs Debian's prometheus package")
    return found


def promtool() -> str:
    return _binary("promtool")


def prometheus() -> str:
    return _binary("prometheus")
