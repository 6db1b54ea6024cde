"""`helm lint --strict` of every chart, with its defaults and each of its ci/ scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.charts.helm import CHARTS, LIBRARY, helm, render_text, service_charts


def scenarios() -> list[tuple[Path, Path | None]]:
    cases: list[tuple[Path, Path | None]] = [(LIBRARY, None)]
    for chart in service_charts():
        cases += [(chart, values) for values in sorted(chart.glob("ci/*-values.yaml"))]
    return cases


@pytest.mark.parametrize(
    ("chart", "values"),
    scenarios(),
    ids=lambda v: str(v.relative_to(CHARTS)) if isinstance(v, Path) else "defaults",
)
def test_lint_strict(chart: Path, values: Path | None) -> None:
    args = ["lint", "--strict", str(chart)]
    if values is not None:
        args += ["-f", str(values)]
    result = helm(*args, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 chart(s) failed" in result.stdout


def test_every_chart_has_scenarios_notes_schema_and_readme() -> None:
    for chart in service_charts():
        assert list(chart.glob("ci/*-values.yaml")), f"{chart.name} has no ci/ scenario"
        for name in ("values.schema.json", "templates/NOTES.txt", "README.md"):
            assert (chart / name).is_file(), f"{chart.name} lacks {name}"


@pytest.mark.parametrize(
    "bad",
    [
        "catalog.replica=2",  # misspelled key
        "global.image.pullPolicy=Sometimes",
        "gateway.service.nodePort=80",
        "orders.autoscaling.targetCPUUtilization=0",
        "database.managed.storage=lots",
    ],
)
def test_schema_refuses_bad_values(bad: str) -> None:
    result = helm("template", "demo", str(CHARTS / "mercado"), "--set", bad, check=False)
    assert result.returncode != 0
    assert "values don't meet the specifications of the schema" in result.stderr


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["database.managed.enabled=false"], "database.external.secretName is required"),
        (["messaging.managed.enabled=false"], "messaging.external.url is required"),
        (["bank.enabled=false"], "payment.bank.url is required"),
        (["mailcatcher.enabled=false"], "notifications.smtp.host is required"),
        (
            ["orders.autoscaling.enabled=true", "orders.autoscaling.minReplicas=6"],
            "orders.autoscaling.minReplicas (6) must not exceed maxReplicas (5)",
        ),
    ],
)
def test_missing_wiring_is_a_clear_error(values: list[str], message: str) -> None:
    args = ["template", "demo", str(CHARTS / "mercado")]
    for item in values:
        args += ["--set", item]
    result = helm(*args, check=False)
    assert result.returncode != 0
    assert message in result.stderr


def test_thin_chart_needs_the_shops_secret() -> None:
    result = helm("template", "x", str(CHARTS / "catalog"), check=False)
    assert result.returncode != 0
    assert "global.secrets.existingSecret is required" in result.stderr
    assert render_text(chart=CHARTS / "catalog", values=[CHARTS / "catalog/ci/default-values.yaml"])
