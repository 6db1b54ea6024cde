"""Debian's Prometheus server and promtool for the observability tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml


def _binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/bin")
    if found is None:
        pytest.fail(f"{name} not found: `make system-deps` installs Debian's prometheus package")
    return found


def promtool() -> str:
    return _binary("promtool")


def prometheus() -> str:
    return _binary("prometheus")


def fast_rules(target: Path, for_: str = "0s") -> Path:
    """A copy of the generated rules file with every alert's ``for:`` set to ``for_``, so a
    test sees an alert go pending (then firing) in seconds. The expressions are untouched."""
    from mercado_observability.prometheus import rules_file

    groups = yaml.safe_load(rules_file().read_text())
    for group in groups["groups"]:
        for rule in group["rules"]:
            if "alert" in rule:
                rule["for"] = for_
    target.write_text(yaml.safe_dump(groups, sort_keys=False))
    return target
