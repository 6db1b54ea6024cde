"""Dashboards and rules are generated, fresh, and speak only the schema's names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mercado_observability.generate import stale
from mercado_observability.rules import ALERTS, DEFAULT_RUNBOOK_BASE_URL, RECORDINGS
from mercado_observability.schema import load

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = ROOT / "observability" / "dashboards"
RULES = ROOT / "observability" / "rules" / "mercado.rules.yaml"


def _queries() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        board = json.loads(path.read_text())
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                found.append((board["title"], panel["title"], target["expr"]))
    return found


def test_committed_files_are_what_the_generator_makes() -> None:
    old = stale(ROOT)
    assert not old, f"stale generated files (run `make generate`): {old}"


def test_dashboards_cover_the_shop_and_use_declared_names_only() -> None:
    schema = load()
    titles = {json.loads(p.read_text())["title"] for p in DASHBOARDS.glob("*.json")}
    assert "Mercado / Shop overview" in titles and "Mercado / operator" in titles
    for svc in ("gateway", "catalog", "inventory", "orders", "payment", "bank", "notifications"):
        assert f"Mercado / {svc}" in titles
    queries = _queries()
    assert len(queries) > 60
    for board, panel, expr in queries:
        assert not schema.undeclared(expr), (board, panel, schema.undeclared(expr))
        assert "service=" not in expr.replace("service_name=", ""), (board, panel)


def test_rules_use_declared_names_and_each_alert_has_a_runbook() -> None:
    schema = load()
    groups = yaml.safe_load(RULES.read_text())["groups"]
    rules = [r for g in groups for r in g["rules"]]
    recorded = {r["record"] for r in rules if "record" in r}
    assert recorded == set(schema.recording_rules) == {r.record for r in RECORDINGS}
    for rule in rules:
        assert not schema.undeclared(rule["expr"]), rule
        if "alert" in rule:
            url = rule["annotations"]["runbook_url"]
            assert url == f"{DEFAULT_RUNBOOK_BASE_URL}/{rule['alert']}.md", url
            runbook = ROOT / "observability" / "runbooks" / f"{rule['alert']}.md"
            assert runbook.is_file(), f"{rule['alert']}: runbook {runbook} missing"
            assert rule["labels"]["severity"] in {"critical", "warning", "info"}
    alerts = {r["alert"] for r in rules if "alert" in r}
    assert alerts == {a.name for a in ALERTS}
    assert {
        "MercadoHighErrorRatio",
        "MercadoLatencySLOBurnFast",
        "MercadoLatencySLOBurnSlow",
        "MercadoPaymentFailureRatio",
        "MercadoOutboxStuck",
        "MercadoDeadLetters",
        "MercadoLowStock",
        "MercadoServiceDown",
        "MercadoOperatorReconcileErrors",
        "MercadoShopNotReady",
    } <= alerts


def test_every_alert_and_recording_rule_has_a_promtool_unit_test() -> None:
    tests = yaml.safe_load((ROOT / "observability/rules/tests/mercado.rules.test.yaml").read_text())
    firing = {
        t["alertname"]
        for case in tests["tests"]
        for t in case.get("alert_rule_test", [])
        if t["exp_alerts"]
    }
    assert firing == {a.name for a in ALERTS}
    exprs = " ".join(t["expr"] for case in tests["tests"] for t in case.get("promql_expr_test", []))
    untested = [r.record for r in RECORDINGS if r.record not in exprs]
    # The 5m slow ratio is exercised through the fast-burn alert.
    assert untested == ["service_name:mercado_http_slow:ratio_rate5m"]


def test_the_runbook_base_url_is_a_setting() -> None:
    from mercado_observability.generate import rules_text

    groups = yaml.safe_load(rules_text("https://runbooks.example.com/mercado/"))["groups"]
    urls = {
        r["alert"]: r["annotations"]["runbook_url"]
        for g in groups
        for r in g["rules"]
        if "alert" in r
    }
    assert urls == {a.name: f"https://runbooks.example.com/mercado/{a.name}.md" for a in ALERTS}
