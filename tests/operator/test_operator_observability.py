"""The operator's dashboard and alerts against the live operator: a real Prometheus scrapes
the operator process (labelled as a ServiceMonitor would), three Shops are applied (one
that becomes Ready, one pinned to an image that never becomes available, one in a
namespace whose quota refuses its Deployments, so its reconciles fail), and then every
panel query of the operator dashboard returns data (and its preview draws every panel), and
MercadoOperatorReconcileErrors and MercadoShopNotReady go pending or firing.

The Prometheus here loads a copy of the generated rules whose ``for:`` durations are cut to
a few seconds (the expressions are the generated ones), and scrapes every second.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from mercado_observability.preview import render_all
from mercado_observability.prometheus import Prometheus
from tests.k8s.plugin import wait_until
from tests.operator.conftest import Operator, apply, shop_manifest, wait_condition
from tests.support.processes import free_port
from tests.support.prometheus import fast_rules, prometheus

ROOT = Path(__file__).resolve().parents[2]
BOARD = ROOT / "observability" / "dashboards" / "mercado-operator.json"
ALERTS = {"MercadoOperatorReconcileErrors", "MercadoShopNotReady"}


@pytest.fixture
def scraped(operator: Operator, tmp_path: Path) -> Iterator[Prometheus]:
    prometheus()  # fails clearly when Debian's prometheus is missing
    rules = fast_rules(tmp_path / "rules.yaml", for_="5s")
    prom = Prometheus(
        tmp_path / "prometheus",
        free_port(),
        {"mercado-operator": operator.metrics_port},
        "1s",
        rules=rules,
    )
    prom.start()
    try:
        assert prom.targets_up() == (1, 1), tmp_path / "prometheus" / "prometheus.log"
        yield prom
    finally:
        prom.stop()


@pytest.fixture
def quota_namespace(operator: Operator) -> Iterator[str]:
    """A namespace whose ResourceQuota allows no Deployment: the operator's apply of a
    Shop's Deployments there is refused (403), so every reconcile of that Shop fails."""
    name = f"quota-{uuid.uuid4().hex[:6]}"
    cluster = operator.cluster
    cluster.kubectl("create", "namespace", name)
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": "no-deployments"},
        "spec": {"hard": {"count/deployments.apps": "0"}},
    }
    apply(cluster, name, quota)
    try:
        yield name
    finally:
        cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


def _query(prom: Prometheus, expr: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{prom.url}/api/v1/query", params={"query": expr}, timeout=30)
    assert r.status_code == 200, (expr, r.text)
    return list(r.json()["data"]["result"])


def _panel_queries() -> dict[str, str]:
    board = json.loads(BOARD.read_text())
    return {
        f"{panel['title']} / {target['refId']}": target["expr"].replace("$__rate_interval", "1m")
        for panel in board["panels"]
        for target in panel.get("targets", [])
    }


def test_operator_panels_have_data_and_its_alerts_fire(
    operator: Operator,
    k8s_namespace: str,
    quota_namespace: str,
    scraped: Prometheus,
    tmp_path: Path,
) -> None:
    cluster = operator.cluster
    apply(cluster, k8s_namespace, shop_manifest("good"))
    never = {
        "services": {
            "gateway": {"service": {"type": "ClusterIP"}},
            "catalog": {"image": {"tag": "broken"}},  # the test cluster never readies it
        }
    }
    apply(cluster, k8s_namespace, shop_manifest("never", never))
    apply(cluster, quota_namespace, shop_manifest("refused"))
    wait_condition(cluster, k8s_namespace, "good")

    queries = _panel_queries()
    assert len(queries) >= 5, queries

    empty = list(queries)

    def all_have_data() -> bool:
        empty[:] = [name for name, expr in queries.items() if not _query(scraped, expr)]
        return not empty

    try:
        wait_until(all_have_data, timeout=120, interval=2, what="every operator panel's data")
    except AssertionError as exc:
        raise AssertionError(f"no data for: {empty}") from exc
    errors = _query(scraped, 'sum(increase(mercado_operator_reconciles_total{result="error"}[1m]))')
    not_ready = _query(scraped, "max(mercado_operator_shops_not_ready)")
    print(f"\noperator panels with data: {len(queries)} of {len(queries)}; "
          f"failed reconciles in the last minute: {errors[0]['value'][1]}; "
          f"Shops not Ready: {not_ready[0]['value'][1]}")  # fmt: skip

    def alerts() -> dict[str, str] | None:
        r = httpx.get(f"{scraped.url}/api/v1/alerts", timeout=30)
        states = {
            a["labels"]["alertname"]: a["state"]
            for a in r.json()["data"]["alerts"]
            if a["labels"]["alertname"] in ALERTS
        }
        return states if set(states) == ALERTS else None

    # The preview `mercado dashboards` draws has every operator panel with data too.
    previews = render_all(scraped.url, tmp_path / "previews", minutes=5)
    drawn = {out.stem: (with_data, panels) for out, with_data, panels in previews}
    assert drawn["mercado-operator"][0] == drawn["mercado-operator"][1] == 5, drawn
    assert (tmp_path / "previews" / "mercado-operator.png").read_bytes()[:4] == b"\x89PNG"

    states = wait_until(alerts, timeout=120, interval=1, what="the operator's two alerts")
    assert set(states.values()) <= {"pending", "firing"}, states
    print(f"operator alerts: {states}")
    # The good Shop is Ready: the alert counts the two others, not every Shop.
    assert float(not_ready[0]["value"][1]) >= 2
