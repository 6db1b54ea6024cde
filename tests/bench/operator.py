"""P3/P4 operator figures on the Kubernetes test cluster (``tests/k8s/cluster.sh``: a real
API server and etcd, kwok's simulated nodes), with the operator run here as a process with
its chart's ServiceAccount, as the operator tests run it.

- P3: a Shop applied → every child Deployment created → Ready, next to ``helm install`` of
  the same chart with the same values → every Deployment available, in the same run;
- P4: the operator's API writes (from the API server's audit log) while ``idle`` Shops sit
  unchanged for ``idle_seconds``; its resident memory with ``idle`` and then ``shops`` Shops.

A cluster that already runs (``MERCADO_K8S_STATE_FILE`` names its state) is reused and kept;
one started here is stopped at the end.
"""

from __future__ import annotations

import json
import math
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from mercado_operator.model import ShopSpec
from mercado_operator.render import REPO_CHART
from mercado_operator.values import chart_values, target_tags
from tests.k8s.plugin import BUILD_SH, K8sCluster, _cluster_sh, _kubeconfig_from
from tests.operator.conftest import (
    apply,
    audit_writes,
    children,
    condition,
    get,
    helm,
    running_operator,
    shop_manifest,
)


@contextmanager
def _cluster() -> Iterator[K8sCluster]:
    subprocess.run(["bash", str(BUILD_SH), "cluster", "helm"], check=True)
    status = _cluster_sh("status")
    kubeconfig = _kubeconfig_from(status.stdout) if status.returncode == 0 else None
    started_here = kubeconfig is None
    if kubeconfig is None:
        up = _cluster_sh("up")
        kubeconfig = _kubeconfig_from(up.stdout)
        if up.returncode != 0 or kubeconfig is None:
            raise RuntimeError(f"tests/k8s/cluster.sh up failed (exit {up.returncode})")
    try:
        yield K8sCluster(kubeconfig=kubeconfig, started_here=started_here)
    finally:
        if started_here:
            _cluster_sh("down")


def _ready(shop: dict[str, Any]) -> bool:
    status = shop.get("status") or {}
    return (
        condition(shop, "Ready").get("status") == "True"
        and status.get("observedGeneration") == shop["metadata"]["generation"]
    )


def _apply_to_ready(cluster: K8sCluster, namespace: str, timeout: float) -> dict[str, float]:
    started = time.monotonic()
    apply(cluster, namespace, shop_manifest("timed"))
    created = ready = None
    expected = None
    while time.monotonic() - started < timeout:
        shop = get(cluster, namespace, "shop", "timed")
        now = time.monotonic() - started
        if created is None:
            if expected is None and shop.get("status"):
                expected = len(shop["status"].get("services") or {})
            found = [k for k in children(cluster, namespace, "timed") if k[0] == "Deployment"]
            if expected and len(found) >= expected:
                created = now
        if created is not None and _ready(shop):
            ready = now
            break
        time.sleep(0.2)
    if created is None or ready is None:
        raise RuntimeError(f"shop/timed not Ready within {timeout:.0f} s")
    return {"apply_to_children_s": created, "apply_to_ready_s": ready}


def _deployments_available(cluster: K8sCluster, namespace: str) -> bool:
    items = get(cluster, namespace, "deployments")["items"]
    return bool(items) and all(
        (d.get("status") or {}).get("availableReplicas", 0) >= d["spec"].get("replicas", 1)
        for d in items
    )


def _helm_install(cluster: K8sCluster, namespace: str, log_dir: Path) -> dict[str, Any]:
    """The same chart and values as the operator renders for ``timed``, installed by helm
    itself; timed to the operator's Ready condition (every service Deployment available).
    ``--wait`` is left out: it also waits for the NATS and PostgreSQL StatefulSets, whose
    volume claims no provisioner binds on the test cluster (nor does the operator wait)."""
    spec = ShopSpec.model_validate(shop_manifest("timed")["spec"])
    values = chart_values("timed", spec, target_tags(spec))
    values["global"]["secrets"]["existingSecret"] = ""
    values_file = log_dir / "helm-values.yaml"
    values_file.write_text(yaml.safe_dump(values))
    other = f"{namespace[:50]}-helm"
    cluster.kubectl("create", "namespace", other)
    try:
        started = time.monotonic()
        done = subprocess.run(
            [helm(), "install", "timed", str(REPO_CHART), "-n", other,
             "--kubeconfig", str(cluster.kubeconfig), "-f", str(values_file)],
            capture_output=True, text=True,
        )  # fmt: skip
        installed = time.monotonic() - started
        available = None
        while done.returncode == 0 and time.monotonic() - started < 180:
            if _deployments_available(cluster, other):
                available = time.monotonic() - started
                break
            time.sleep(0.2)
    finally:
        cluster.kubectl("delete", "namespace", other, "--wait=false", check=False)
    return {
        "helm_install_s": installed,
        "helm_available_s": available,
        "helm_exit": done.returncode,
        "helm_error": done.stderr.strip()[-300:] if done.returncode else "",
    }


def _create_shops(cluster: K8sCluster, namespace: str, names: list[str], timeout: float) -> float:
    started = time.monotonic()
    for name in names:
        apply(cluster, namespace, shop_manifest(name))
    deadline = started + timeout
    while True:
        shops = get(cluster, namespace, "shops")["items"]
        if sum(1 for s in shops if _ready(s)) >= len(shops) and len(shops) >= len(names):
            return time.monotonic() - started
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(shops)} Shops not all Ready within {timeout:.0f} s")
        time.sleep(2)


NODE_TEMPLATE = Path(__file__).resolve().parents[1] / "k8s" / "node.yaml"
PODS_PER_NODE = 110  # what tests/k8s/node.yaml allocates
PODS_PER_SHOP = 12  # the shop's Deployments and StatefulSets, with room to spare


def _room_for(cluster: K8sCluster, shops: int, root: Path) -> int:
    """Adds simulated nodes until ``shops`` Shops' pods fit: the test cluster starts with two
    (220 pods), and a Shop whose pods cannot be scheduled never becomes Ready, which would
    measure the cluster's size instead of the operator. Returns the number of nodes."""
    have = len(json.loads(cluster.kubectl("get", "nodes", "-o", "json").stdout)["items"])
    need = math.ceil(shops * PODS_PER_SHOP / PODS_PER_NODE)
    if need > have:
        template = NODE_TEMPLATE.read_text()
        docs = [template.replace("{{NODE}}", f"bench-node-{i}") for i in range(have, need)]
        extra = root / "bench-nodes.yaml"
        extra.write_text("\n---\n".join(docs))
        cluster.kubectl("apply", "-f", str(extra))
    return max(have, need)


def run_operator(root: Path, idle: int, shops: int, idle_seconds: float) -> dict[str, Any]:
    root.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {}
    with _cluster() as cluster, running_operator(cluster, root, root) as op:
        namespace = f"bench-{uuid.uuid4().hex[:6]}"
        cluster.kubectl("create", "namespace", namespace)
        try:
            result.update(_apply_to_ready(cluster, namespace, 180))
            result.update(_helm_install(cluster, namespace, root))
            print(f"  P3 {result}", flush=True)
            result["nodes"] = _room_for(cluster, max(idle, shops) + 2, root)
            names = [f"idle-{i}" for i in range(idle)]
            result["idle_shops"] = idle
            result["create_idle_s"] = _create_shops(cluster, namespace, names, 900)
            time.sleep(5)  # let the last status updates settle before counting
            since = time.time()
            time.sleep(idle_seconds)
            writes = audit_writes(cluster, op.user, since)
            result["idle_seconds"] = idle_seconds
            result["idle_writes"] = len(writes)
            result["idle_write_kinds"] = sorted(
                {f"{w['verb']} {w.get('objectRef', {}).get('resource', '?')}" for w in writes}
            )
            result["rss_mib_idle_shops"] = op.rss_kib() / 1024
            print(f"  P4 {idle} idle Shops: {len(writes)} writes in {idle_seconds:.0f} s")
            more = [f"idle-{i}" for i in range(idle, shops)]
            result["shops"] = shops
            result["create_more_s"] = _create_shops(cluster, namespace, more, 900)
            time.sleep(3)
            result["rss_mib_shops"] = op.rss_kib() / 1024
            print(f"  P4 RSS {result['rss_mib_shops']:.0f} MiB with {shops} Shops", flush=True)
        finally:
            cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)
    return result
