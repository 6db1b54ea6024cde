"""The operator as a process: quiet at rest (counted from the API server's audit log),
restarts without writing, survives SIGKILL mid-reconcile, needs no more RBAC than it has,
and only one of two replicas acts."""

from __future__ import annotations

import json
import time

import pytest

from tests.k8s.plugin import wait_until
from tests.operator.conftest import (
    Operator,
    apply,
    audit_writes,
    children,
    get,
    shop_manifest,
    wait_condition,
)

IGNORED = {"leases"}  # the leader Lease is renewed every few seconds, on no Shop


def _shop_writes(operator: Operator, since: float, namespace: str) -> list[str]:
    """The operator's writes in ``namespace`` (the Shop's and its children's)."""
    return [
        f"{e['verb']} {e['objectRef'].get('resource')}/{e['objectRef'].get('name')}"
        for e in audit_writes(operator.cluster, operator.user, since)
        if e.get("objectRef", {}).get("namespace") == namespace
        and e["objectRef"].get("resource") not in IGNORED
    ]


def test_idle_shop_gets_zero_writes_for_60s(operator: Operator, k8s_namespace: str) -> None:
    apply(operator.cluster, k8s_namespace, shop_manifest("idle"))
    wait_condition(operator.cluster, k8s_namespace, "idle")
    time.sleep(5)  # let the last status write's watch event come back
    since = time.time()
    time.sleep(60)
    writes = _shop_writes(operator, since, k8s_namespace)
    print(f"\nMEASURE writes to Shops and their children in 60 s idle: {len(writes)}")
    assert writes == []


def test_restart_makes_zero_writes_and_keeps_status(operator: Operator, k8s_namespace: str) -> None:
    apply(operator.cluster, k8s_namespace, shop_manifest("again"))
    before = wait_condition(operator.cluster, k8s_namespace, "again")
    secret = get(operator.cluster, k8s_namespace, "secret", "again-mercado-secrets")
    operator.stop()
    since = time.time()
    operator.start()
    time.sleep(20)  # the restarted operator has listed and reconciled every Shop by now
    assert operator.metric("mercado_operator_reconciles_total") >= 1
    assert _shop_writes(operator, since, k8s_namespace) == []
    after = get(operator.cluster, k8s_namespace, "shop", "again")
    assert after["status"] == before["status"]
    again = get(operator.cluster, k8s_namespace, "secret", "again-mercado-secrets")
    assert again["data"] == secret["data"]


def test_sigkill_mid_reconcile_converges(operator: Operator, k8s_namespace: str) -> None:
    apply(operator.cluster, k8s_namespace, shop_manifest("crash"))
    # Kill it as soon as it has begun creating the children.
    wait_until(lambda: children(operator.cluster, k8s_namespace, "crash"), interval=0.05,
               timeout=60, what="the first children")  # fmt: skip
    operator.kill()
    partial = len(children(operator.cluster, k8s_namespace, "crash"))
    operator.start()
    shop = wait_condition(operator.cluster, k8s_namespace, "crash")
    print(f"\nchildren when killed: {partial}, after restart: "
          f"{len(children(operator.cluster, k8s_namespace, 'crash'))}")  # fmt: skip
    assert shop["status"]["servicesReady"] == "7/7"


ALLOWED = [
    ("list", "shops.mercado.dev"),
    ("patch", "shops.mercado.dev/status"),
    ("patch", "deployments.apps"),
    ("delete", "horizontalpodautoscalers.autoscaling"),
    ("create", "networkpolicies.networking.k8s.io"),
    ("create", "events"),
]
REFUSED = [
    ("delete", "shops.mercado.dev"),
    ("patch", "shops.mercado.dev"),
    ("create", "pods"),
    ("create", "pods/exec"),
    ("get", "nodes"),
    ("create", "clusterroles.rbac.authorization.k8s.io"),
    ("create", "rolebindings.rbac.authorization.k8s.io"),
    ("delete", "namespaces"),
    ("create", "customresourcedefinitions.apiextensions.k8s.io"),
    ("update", "deployments.apps"),
]


@pytest.mark.parametrize(("verb", "resource"), ALLOWED + REFUSED)
def test_service_account_has_what_it_needs_and_no_more(
    operator: Operator, verb: str, resource: str
) -> None:
    resource, _, sub = resource.partition("/")
    extra = [f"--subresource={sub}"] if sub else []
    result = operator.cluster.kubectl(
        "auth", "can-i", verb, resource, *extra, "--as", operator.user, "-n", "default",
        check=False,
    )  # fmt: skip
    expected = "yes" if (verb, f"{resource}/{sub}" if sub else resource) in ALLOWED else "no"
    assert result.stdout.strip() == expected, (verb, resource, result.stdout, result.stderr)


def test_leases_in_other_namespaces_are_refused(operator: Operator) -> None:
    def can(namespace: str) -> str:
        return operator.cluster.kubectl(
            "auth", "can-i", "update", "leases.coordination.k8s.io",
            "--as", operator.user, "-n", namespace, check=False,
        ).stdout  # fmt: skip

    mine, other = can(operator.namespace), can("kube-system")
    assert mine.strip() == "yes" and other.strip() == "no"


def test_only_one_of_two_replicas_acts(operator: Operator, k8s_namespace: str) -> None:
    standby = Operator(operator.cluster, operator.namespace, operator.release,
                       operator.kubeconfig, operator.log_dir, dict(operator.env))  # fmt: skip
    standby.starts = 100
    try:
        standby.start(wait_leader=False)
        time.sleep(8)  # more than one Lease round
        assert standby.metric("mercado_operator_leader") == 0
        lease = get(operator.cluster, operator.namespace, "lease", operator.release)
        assert lease["spec"]["holderIdentity"] == f"operator-test-{operator.starts}"
        apply(operator.cluster, k8s_namespace, shop_manifest("pair"))
        wait_condition(operator.cluster, k8s_namespace, "pair")
        assert standby.metric("mercado_operator_api_writes_total") == 0
        assert standby.metric("mercado_operator_reconciles_total") == 0
    finally:
        standby.stop()
    assert json.dumps(lease)
