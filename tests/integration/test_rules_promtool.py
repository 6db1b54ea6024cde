"""promtool (Debian's prometheus package) checks the rules and runs their unit tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.prometheus import promtool

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "rules",
    ["observability/rules/mercado.rules.yaml", "charts/mercado/files/rules/mercado.rules.yaml"],
)
def test_promtool_accepts_the_rules(rules: str) -> None:
    out = subprocess.run(
        [promtool(), "check", "rules", rules], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SUCCESS: 19 rules found" in out.stdout


def test_every_rule_passes_its_promtool_unit_tests() -> None:
    out = subprocess.run(
        [promtool(), "test", "rules", "observability/rules/tests/mercado.rules.test.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SUCCESS" in out.stdout
