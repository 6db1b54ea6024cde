"""The umbrella chart's ServiceMonitors and PrometheusRule, and the operator chart's
ServiceMonitor, are accepted by a real API server
that serves the Prometheus Operator's CRDs (monitoring.coreos.com/v1, taken offline from
the operator's Go module), and a malformed one is refused: the CRD schema is enforced."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.charts.helm import by_kind, render
from tests.k8s.plugin import K8sCluster

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
MODULE = "github.com/prometheus-operator/prometheus-operator@v0.85.0"
CRDS = ("servicemonitors", "prometheusrules")


def _crd_files() -> list[Path]:
    """``go mod download`` of the operator's module (cached by Go) gives its CRDs."""
    with tempfile.TemporaryDirectory() as tmp:  # outside any module
        out = subprocess.run(
            ["go", "mod", "download", "-json", MODULE],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=tmp,
            env={**os.environ, "GOFLAGS": ""},
        )
    assert out.returncode == 0, out.stdout + out.stderr
    folder = Path(json.loads(out.stdout)["Dir"]) / "example" / "prometheus-operator-crd"
    return [folder / f"monitoring.coreos.com_{name}.yaml" for name in CRDS]


@pytest.fixture(scope="module")
def monitoring_api(k8s_cluster: K8sCluster) -> K8sCluster:
    for path in _crd_files():
        k8s_cluster.kubectl("apply", "--server-side", "-f", str(path), timeout=180)
    for name in CRDS:
        k8s_cluster.kubectl(
            "wait",
            "--for=condition=Established",
            f"crd/{name}.monitoring.coreos.com",
            "--timeout=120s",
        )
    return k8s_cluster


def _objects() -> list[dict[str, Any]]:
    return render(
        values=[ROOT / "charts/mercado/ci/observability-values.yaml"],
        api_versions=["monitoring.coreos.com/v1"],
    )


def _operator_monitor() -> dict[str, Any]:
    objects = render(
        chart=ROOT / "charts/mercado-operator",
        release="mercado-operator",
        sets=["metrics.serviceMonitor=true"],
        api_versions=["monitoring.coreos.com/v1"],
    )
    (monitor,) = by_kind(objects, "ServiceMonitor").values()
    return monitor


def _apply(cluster: K8sCluster, namespace: str, obj: dict[str, Any], check: bool = True) -> Any:
    obj = copy.deepcopy(obj)
    obj["metadata"]["namespace"] = namespace
    return cluster.kubectl(
        "apply", "--server-side", "-n", namespace, "-f", "-", input=yaml.safe_dump(obj), check=check
    )


def test_the_charts_servicemonitors_and_prometheusrule_are_accepted(
    monitoring_api: K8sCluster, k8s_namespace: str
) -> None:
    objects = _objects()
    monitors = by_kind(objects, "ServiceMonitor")
    rules = by_kind(objects, "PrometheusRule")
    assert len(monitors) >= 7, sorted(monitors)
    operator = _operator_monitor()  # the operator chart's, for the operator's dashboard
    assert operator["spec"]["endpoints"][0]["port"] == "metrics"
    monitors[operator["metadata"]["name"]] = operator
    assert len(rules) == 1
    for obj in [*monitors.values(), *rules.values()]:
        _apply(monitoring_api, k8s_namespace, obj)

    listed = json.loads(
        monitoring_api.kubectl(
            "get", "servicemonitors,prometheusrules", "-n", k8s_namespace, "-o", "json"
        ).stdout
    )["items"]
    names = {i["metadata"]["name"] for i in listed}
    assert names == set(monitors) | set(rules)
    rule = next(i for i in listed if i["kind"] == "PrometheusRule")
    ours = yaml.safe_load((ROOT / "observability/rules/mercado.rules.yaml").read_text())
    assert rule["spec"]["groups"] == ours["groups"]


def test_a_malformed_servicemonitor_is_refused(
    monitoring_api: K8sCluster, k8s_namespace: str
) -> None:
    monitor = copy.deepcopy(next(iter(by_kind(_objects(), "ServiceMonitor").values())))
    monitor["spec"]["endpoints"][0]["interval"] = "every thirty seconds"
    result = _apply(monitoring_api, k8s_namespace, monitor, check=False)
    assert result.returncode != 0
    assert "interval" in result.stderr and "Invalid value" in result.stderr, result.stderr
