"""The umbrella chart on the test cluster: validated, installed under Pod Security
"restricted", upgraded, and uninstalled, checked the way a user checks with kubectl.

kwok runs the pods (no image is pulled), so these tests hold what Kubernetes itself decides:
validation, admission, scheduling, volume binding, rollouts and garbage collection.
"""

from __future__ import annotations

import base64
import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mercado_topology import SHOP
from tests.charts.helm import UMBRELLA, helm
from tests.k8s.plugin import K8sCluster, wait_until

pytestmark = [pytest.mark.cluster, pytest.mark.charts]

RELEASE = "demo"
SERVICES = [c.name for c in SHOP.services]
WORKLOADS = [*SERVICES, "mailcatcher", "postgresql", "nats"]


@pytest.fixture
def restricted_namespace(k8s_namespace: str, k8s_cluster: K8sCluster) -> str:
    k8s_cluster.kubectl(
        "label", "namespace", k8s_namespace,
        "pod-security.kubernetes.io/enforce=restricted",
        "pod-security.kubernetes.io/warn=restricted",
    )  # fmt: skip
    return k8s_namespace


@pytest.fixture
def volumes(k8s_cluster: K8sCluster) -> Iterator[None]:
    """PersistentVolumes for the shop's claims (the test cluster has no provisioner)."""
    tag = uuid.uuid4().hex[:6]
    names = [f"mercado-test-{tag}-{i}" for i in range(2)]
    for name in names:
        pv = {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": name, "labels": {"mercado-test": tag}},
            "spec": {
                "capacity": {"storage": "1Gi"},
                "accessModes": ["ReadWriteOnce"],
                "persistentVolumeReclaimPolicy": "Retain",
                "hostPath": {"path": f"/tmp/{name}"},
            },
        }
        k8s_cluster.kubectl("apply", "-f", "-", input=json.dumps(pv))
    yield
    k8s_cluster.kubectl("delete", "pv", *names, "--wait=false", check=False)


def get(cluster: K8sCluster, namespace: str, *what: str) -> dict[str, Any]:
    out = cluster.kubectl("-n", namespace, "get", *what, "-o", "json").stdout
    result: dict[str, Any] = json.loads(out)
    return result


def pod_templates(cluster: K8sCluster, namespace: str) -> dict[str, dict[str, Any]]:
    items = get(cluster, namespace, "deployments,statefulsets")["items"]
    return {i["metadata"]["name"]: i["spec"]["template"] for i in items}


def install(cluster: K8sCluster, namespace: str, *args: str) -> subprocess.CompletedProcess[str]:
    return helm(
        "upgrade", "--install", RELEASE, str(UMBRELLA), "--namespace", namespace,
        "--wait", "--timeout", "240s", *args, kubeconfig=cluster.kubeconfig,
    )  # fmt: skip


def test_rendered_manifests_pass_openapi_validation_and_server_dry_run(
    k8s_cluster: K8sCluster, restricted_namespace: str, tmp_path: Path
) -> None:
    for scenario in sorted(UMBRELLA.glob("ci/*-values.yaml")):
        # helm checks every object against the API server's OpenAPI schema (--validate).
        rendered = helm(
            "template", RELEASE, str(UMBRELLA), "--namespace", restricted_namespace,
            "-f", str(scenario), "--validate", kubeconfig=k8s_cluster.kubeconfig,
        ).stdout  # fmt: skip
        manifest = tmp_path / f"{scenario.stem}.yaml"
        manifest.write_text(rendered)
        # The API server validates, defaults and admits each object without storing it;
        # Pod Security "restricted" would warn on any pod template it would refuse.
        result = k8s_cluster.kubectl(
            "apply", "--dry-run=server", "--validate=strict", "-n", restricted_namespace,
            "-f", str(manifest),
        )  # fmt: skip
        assert "would violate PodSecurity" not in result.stderr, result.stderr
        assert "created (server dry run)" in result.stdout


def test_install_upgrade_rotate_and_uninstall(
    k8s_cluster: K8sCluster, restricted_namespace: str, volumes: None
) -> None:
    ns = restricted_namespace
    result = install(k8s_cluster, ns)
    assert "would violate PodSecurity" not in result.stderr, result.stderr

    # Every pod admitted under "restricted", scheduled on a simulated node and Running.
    pods = get(k8s_cluster, ns, "pods")["items"]
    by_component = {p["metadata"]["labels"]["app.kubernetes.io/name"]: p for p in pods}
    assert set(by_component) == set(WORKLOADS)
    for pod in pods:
        assert pod["status"]["phase"] == "Running", pod["metadata"]["name"]
        assert pod["spec"]["nodeName"].startswith("kwok-node-")
    claims = get(k8s_cluster, ns, "pvc")["items"]
    assert {c["status"]["phase"] for c in claims} == {"Bound"} and len(claims) == 2
    deployments = {d["metadata"]["name"]: d for d in get(k8s_cluster, ns, "deployments")["items"]}
    for name in SERVICES:
        assert deployments[f"{RELEASE}-{name}"]["status"]["availableReplicas"] == 1

    # A new image tag for one service rolls that Deployment only.
    before = pod_templates(k8s_cluster, ns)
    install(k8s_cluster, ns, "--reuse-values", "--set", "orders.image.tag=0.1.1")
    after = pod_templates(k8s_cluster, ns)
    assert {n for n in before if before[n] != after[n]} == {f"{RELEASE}-orders"}
    image = after[f"{RELEASE}-orders"]["spec"]["containers"][0]["image"]
    assert image == "mercado/orders:0.1.1"

    # The generated Secret is kept on upgrade; a changed token rolls exactly its users.
    secret = get(k8s_cluster, ns, "secret", f"{RELEASE}-secrets")["data"]
    new_token = base64.b64encode(b"rotated-orders-token").decode()
    patch = {"data": {"orders-token": new_token}}
    k8s_cluster.kubectl(
        "-n", ns, "patch", "secret", f"{RELEASE}-secrets", "--type=merge", "-p", json.dumps(patch)
    )
    before = after
    install(k8s_cluster, ns, "--reuse-values")
    after = pod_templates(k8s_cluster, ns)
    kept = get(k8s_cluster, ns, "secret", f"{RELEASE}-secrets")["data"]
    assert kept == {**secret, "orders-token": new_token}
    users = {f"{RELEASE}-{n}" for n in ("orders", "inventory", "payment")}
    assert {n for n in before if before[n] != after[n]} == users
    wait_until(
        lambda: all(
            d["status"].get("updatedReplicas") == 1 and d["status"].get("availableReplicas") == 1
            for d in get(k8s_cluster, ns, "deployments")["items"]
        ),
        what="every Deployment rolled out",
    )

    # Uninstalling leaves nothing of the shop behind but its volumes' claims.
    helm("uninstall", RELEASE, "--namespace", ns, "--wait", kubeconfig=k8s_cluster.kubeconfig)
    kinds = k8s_cluster.kubectl(
        "api-resources", "--verbs=list", "--namespaced", "-o", "name"
    ).stdout.split()
    # Events outlive what they describe; metrics.k8s.io is served by metrics-server.
    listed = [k for k in kinds if not k.startswith("events") and "metrics.k8s.io" not in k]

    def leftovers() -> list[str]:
        items = get(k8s_cluster, ns, ",".join(listed))["items"]
        return sorted(
            f"{i['kind']}/{i['metadata']['name']}"
            for i in items
            if not (i["kind"] == "ServiceAccount" and i["metadata"]["name"] == "default")
            and not (i["kind"] == "ConfigMap" and i["metadata"]["name"] == "kube-root-ca.crt")
        )

    remaining = wait_until(
        lambda: (
            (left := leftovers())
            and all(i.startswith("PersistentVolumeClaim/") for i in left)
            and left
        ),
        what="only PersistentVolumeClaims left",
    )
    assert remaining == [
        f"PersistentVolumeClaim/data-{RELEASE}-nats-0",
        f"PersistentVolumeClaim/data-{RELEASE}-postgresql-0",
    ]
