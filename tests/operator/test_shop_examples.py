"""Every example Shop reaches Ready with every Deployment available; what `kubectl get` shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.k8s.plugin import K8sCluster
from tests.operator.conftest import (
    EXAMPLES,
    SERVICES,
    SHOP_LABEL,
    Operator,
    children,
    get,
    wait_condition,
)


def _deployments_available(cluster: K8sCluster, namespace: str, shop: str) -> dict[str, dict]:
    found = {}
    for (kind, name), obj in children(cluster, namespace, shop).items():
        if kind == "Deployment":
            status = obj.get("status") or {}
            assert status.get("availableReplicas") == obj["spec"].get("replicas", 1), name
            found[name] = obj
    return found


@pytest.mark.parametrize(
    ("example", "shop"),
    [("minimal.yaml", "demo"), ("full.yaml", "full"), ("external-database.yaml", "external-db")],
)
def test_example_reaches_ready(
    operator: Operator, k8s_namespace: str, example: str, shop: str
) -> None:
    cluster = operator.cluster
    cluster.kubectl("-n", k8s_namespace, "apply", "-f", str(Path(EXAMPLES, example)))
    ready = wait_condition(cluster, k8s_namespace, shop)
    deployments = _deployments_available(cluster, k8s_namespace, shop)
    services = list(SERVICES)
    for service in services:
        assert f"{shop}-{service}" in deployments
        assert ready["status"]["services"][service]["ready"] >= 1
        assert ready["status"]["services"][service]["version"] == "0.1.0"
    assert ready["status"]["servicesReady"] == f"{len(services)}/{len(services)}"
    assert ready["status"]["url"]
    for (kind, name), obj in children(cluster, k8s_namespace, shop).items():
        refs = obj["metadata"].get("ownerReferences") or []
        assert any(r["kind"] == "Shop" and r["name"] == shop for r in refs), (kind, name)
    # What a user sees.
    table = cluster.kubectl("-n", k8s_namespace, "get", "shops").stdout
    assert "READY" in table and "SERVICES" in table
    row = next(line for line in table.splitlines() if line.startswith(shop + " "))
    assert "True" in row and f"{len(services)}/{len(services)}" in row
    listed = cluster.kubectl("-n", k8s_namespace, "get", "all", "-l", f"{SHOP_LABEL}={shop}").stdout
    assert f"deployment.apps/{shop}-gateway" in listed
    cluster.kubectl(
        "-n", k8s_namespace, "wait", "--for=condition=Ready", f"shop/{shop}", "--timeout=10s"
    )
    events = get(cluster, k8s_namespace, "events", "--field-selector",
                 f"involvedObject.kind=Shop,involvedObject.name={shop}")["items"]  # fmt: skip
    assert {"Applied", "Ready"} <= {e["reason"] for e in events}
    if example == "full.yaml":
        objs = children(cluster, k8s_namespace, shop)
        assert ("HorizontalPodAutoscaler", "full-inventory") in objs
        assert objs[("Deployment", "full-catalog")]["spec"]["replicas"] == 2
    if example == "external-database.yaml":
        kinds = {kind for kind, _ in children(cluster, k8s_namespace, shop)}
        names = {name for _, name in children(cluster, k8s_namespace, shop)}
        assert not any("postgres" in n for n in names), names
        assert "Deployment" in kinds
