"""Figures, printed (never asserted): apply -> every child created and apply -> Ready, next to
`helm install --wait` of the same chart in the same run; the operator's resident memory with
1 and with 20 Shops. Run with `-s` to see the MEASURE lines."""

from __future__ import annotations

import subprocess
import time

from mercado_operator.model import ShopSpec
from mercado_operator.render import REPO_CHART
from mercado_operator.values import chart_values, target_tags
from tests.k8s.plugin import wait_until
from tests.operator.conftest import (
    CHART,
    Operator,
    apply,
    children,
    get,
    helm,
    shop_manifest,
    wait_condition,
)


def test_apply_to_ready_next_to_helm_install(operator: Operator, k8s_namespace: str) -> None:
    cluster = operator.cluster
    expected = None
    started = time.monotonic()
    apply(cluster, k8s_namespace, shop_manifest("timed"))
    created_at = None
    while time.monotonic() - started < 180:
        shop = get(cluster, k8s_namespace, "shop", "timed")
        if created_at is None:
            found = children(cluster, k8s_namespace, "timed")
            deployments = [k for k in found if k[0] == "Deployment"]
            if expected is None and shop.get("status"):
                expected = len(shop["status"].get("services") or {})
            if expected and len(deployments) >= expected:
                created_at = time.monotonic() - started
        conds = {c["type"]: c for c in (shop.get("status") or {}).get("conditions") or []}
        if created_at is not None and conds.get("Ready", {}).get("status") == "True":
            break
        time.sleep(0.2)
    ready_at = time.monotonic() - started
    assert created_at is not None
    wait_condition(cluster, k8s_namespace, "timed", timeout=5)

    # The same chart with the same values, by helm itself, in a fresh namespace.
    other = f"{k8s_namespace[:50]}-helm"
    cluster.kubectl("create", "namespace", other)
    try:
        spec = ShopSpec.model_validate(shop_manifest("timed")["spec"])
        values = chart_values("timed", spec, target_tags(spec))
        values["global"]["secrets"]["existingSecret"] = ""
        values_file = operator.log_dir / "helm-values.yaml"
        import yaml

        values_file.write_text(yaml.safe_dump(values))
        started = time.monotonic()
        result = subprocess.run(
            [helm(), "install", "timed", str(REPO_CHART), "-n", other,
             "--kubeconfig", str(cluster.kubeconfig), "-f", str(values_file),
             "--wait", "--timeout", "120s"],
            capture_output=True, text=True,
        )  # fmt: skip
        helm_at = time.monotonic() - started
    finally:
        cluster.kubectl("delete", "namespace", other, "--wait=false", check=False)
    print(
        f"\nMEASURE operator: apply -> every Deployment created {created_at:.1f} s, "
        f"apply -> Ready {ready_at:.1f} s; helm install --wait of the same chart "
        f"{helm_at:.1f} s (exit {result.returncode} {result.stderr.strip()[-200:]})"
    )
    assert CHART.exists()


def test_operator_memory_with_1_and_20_shops(operator: Operator, k8s_namespace: str) -> None:
    cluster = operator.cluster
    apply(cluster, k8s_namespace, shop_manifest("mem-0"))
    wait_condition(cluster, k8s_namespace, "mem-0")
    time.sleep(3)
    one = operator.rss_kib()
    for i in range(1, 20):
        apply(cluster, k8s_namespace, shop_manifest(f"mem-{i}"))
    for i in range(20):
        wait_condition(cluster, k8s_namespace, f"mem-{i}", timeout=600)
    time.sleep(3)
    twenty = operator.rss_kib()
    shops = get(cluster, k8s_namespace, "shops")["items"]
    print(
        f"\nMEASURE operator RSS: {one / 1024:.0f} MiB with 1 Shop (+ any left by earlier tests), "
        f"{twenty / 1024:.0f} MiB with {len(shops)} more Shops in one namespace"
    )
    wait_until(lambda: len(shops) == 20, what="20 shops")
