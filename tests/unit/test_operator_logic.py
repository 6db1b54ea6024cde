"""The operator's decisions: what to apply, in which order to roll, what status to write."""

from __future__ import annotations

from typing import Any

from mercado_operator import desired, rollout, status

SHOP = {
    "apiVersion": "mercado.dev/v1alpha1",
    "kind": "Shop",
    "metadata": {"name": "demo", "namespace": "shop", "uid": "u-1", "generation": 2},
}


def _deployment(name: str, replicas: int | None = 2) -> dict[str, Any]:
    spec: dict[str, Any] = {"template": {"spec": {"containers": [{"image": "mercado/x:1"}]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": spec}  # fmt: skip


def test_prepare_owns_labels_and_leaves_replicas_to_the_hpa() -> None:
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "demo-catalog"},
           "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "demo-catalog"}}}  # fmt: skip
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
              "stringData": {"k": "v"}}  # fmt: skip
    out = desired.prepare(
        [_deployment("demo-catalog"), _deployment("demo-orders"), hpa, secret], SHOP, 90
    )
    by_name = {o["metadata"]["name"]: o for o in out}
    assert "replicas" not in by_name["demo-catalog"]["spec"]
    assert by_name["demo-orders"]["spec"]["replicas"] == 2
    assert by_name["demo-orders"]["spec"]["progressDeadlineSeconds"] == 90
    assert by_name["s"]["data"] == {"k": "dg=="} and "stringData" not in by_name["s"]
    for obj in out:
        assert obj["metadata"]["namespace"] == "shop"
        assert obj["metadata"]["labels"]["mercado.dev/shop"] == "demo"
        assert obj["metadata"]["ownerReferences"][0]["uid"] == "u-1"
        assert desired.HASH_ANNOTATION in obj["metadata"]["annotations"]


def test_unchanged_tolerates_server_defaults_but_sees_edits() -> None:
    want = desired.prepare([_deployment("demo-orders")], SHOP, 90)[0]
    live = desired.own(want, SHOP) | {"status": {"replicas": 2}}
    live["spec"] = dict(want["spec"], strategy={"type": "RollingUpdate"}, revisionHistoryLimit=10)
    assert desired.unchanged(want, live)
    edited = dict(live, spec=dict(live["spec"], replicas=5))
    assert not desired.unchanged(want, edited)
    assert not desired.unchanged(want, None)
    other_hash = desired.prepare([_deployment("demo-orders", 3)], SHOP, 90)[0]
    assert not desired.unchanged(other_hash, live)


def test_contains_compares_numbers_with_their_string_forms() -> None:
    assert desired.contains({"cpu": 1, "port": 8080}, {"cpu": "1", "port": 8080, "x": 1})
    assert not desired.contains({"enabled": True}, {"enabled": False})
    assert desired.contains({"emptyDir": {}}, {"emptyDir": {}})
    assert not desired.contains({"args": ["a"]}, {"args": ["a", "b"]})
    # List-maps match by key; entries added by another manager are not ours to judge.
    env = [{"name": "A", "value": "1"}]
    assert desired.contains({"env": env}, {"env": [{"name": "B", "value": "2"}, *env]})
    assert not desired.contains({"env": env}, {"env": [{"name": "A", "value": "9"}]})
    ports = [{"port": 80, "targetPort": "http"}]
    assert desired.contains(
        ports, [{"port": 9, "protocol": "TCP"}, {**ports[0], "protocol": "TCP"}]
    )
    assert not desired.contains(ports, [{"port": 80, "targetPort": 81}])


def _live(tag: str, available: bool = True, stalled: str = "") -> rollout.Live:
    return rollout.Live(tag=tag, desired=1, ready=1 if available else 0,
                        available=available, stalled=stalled)  # fmt: skip


ORDER = ["bank", "catalog", "orders", "gateway"]


def test_new_shop_gets_every_target_at_once() -> None:
    plan = rollout.plan(ORDER, dict.fromkeys(ORDER, "2"), {})
    assert plan.tags == dict.fromkeys(ORDER, "2") and not plan.rolling


def test_upgrade_moves_one_service_at_a_time_in_order() -> None:
    targets = dict.fromkeys(ORDER, "2")
    live = {name: _live("1") for name in ORDER}
    plan = rollout.plan(ORDER, targets, live)
    assert plan.tags == {"bank": "2", "catalog": "1", "orders": "1", "gateway": "1"}
    assert plan.rolling == "bank"
    live["bank"] = _live("2", available=False)
    assert rollout.plan(ORDER, targets, live).tags["catalog"] == "1"
    live["bank"] = _live("2")
    plan = rollout.plan(ORDER, targets, live)
    assert plan.tags == {"bank": "2", "catalog": "2", "orders": "1", "gateway": "1"}
    assert plan.rolling == "catalog"


def test_a_stalled_service_halts_the_rollout() -> None:
    targets = dict.fromkeys(ORDER, "2")
    live = {name: _live("1") for name in ORDER}
    live["bank"] = _live("2")
    live["catalog"] = _live("2", available=False, stalled="ProgressDeadlineExceeded")
    plan = rollout.plan(ORDER, targets, live)
    assert plan.stalled == "catalog" and plan.tags["orders"] == "1"
    obs = status.Observation(2, "2", ORDER, targets, live, plan)
    conds = {c["type"]: c for c in status.conditions(obs)}
    assert conds["Degraded"]["status"] == "True"
    assert conds["Degraded"]["reason"] == "RolloutStalled"
    assert "catalog" in conds["Degraded"]["message"]
    assert conds["Ready"]["status"] == "False"


def test_status_ready_and_stable_when_everything_runs_its_version() -> None:
    targets = dict.fromkeys(ORDER, "2")
    live = {name: _live("2") for name in ORDER}
    plan = rollout.plan(ORDER, targets, live)
    built = status.build(status.Observation(3, "2", ORDER, targets, live, plan), None)
    conds = {c["type"]: c for c in built["conditions"]}
    assert conds["Ready"]["status"] == "True"
    assert conds["Progressing"]["reason"] == "Stable"
    assert conds["Degraded"]["status"] == "False"
    assert built["observedGeneration"] == 3 and built["servicesReady"] == "4/4"
    assert built["version"] == "2"
    again = status.build(status.Observation(3, "2", ORDER, targets, live, plan), built)
    assert not status.differs(again, built)


def test_live_of_reads_a_deployment() -> None:
    dep = _deployment("demo-orders", 2)
    dep["metadata"]["generation"] = 4
    dep["spec"]["template"]["spec"]["containers"][0]["image"] = "reg:5000/mercado/orders:0.3.0"
    dep["status"] = {"observedGeneration": 4, "replicas": 2, "updatedReplicas": 2,
                     "availableReplicas": 2, "readyReplicas": 2}  # fmt: skip
    live = rollout.live_of(dep)
    assert live.tag == "0.3.0" and live.available and live.ready == 2
    dep["status"]["observedGeneration"] = 3
    assert not rollout.live_of(dep).available


def test_prepare_drops_repeated_env_entries() -> None:
    dep = _deployment("demo-orders")
    env = [{"name": "A", "value": "1"}, {"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    dep["spec"]["template"]["spec"]["containers"][0]["env"] = env
    out = desired.prepare([dep], SHOP, 90)[0]
    assert out["spec"]["template"]["spec"]["containers"][0]["env"] == [env[0], env[2]]


def test_an_older_shop_body_never_replaces_a_newer_one() -> None:
    from mercado_operator.controller import _older

    old = {"metadata": {"resourceVersion": "99"}}
    new = {"metadata": {"resourceVersion": "100"}}
    assert _older(old, new) and not _older(new, old) and not _older(new, None)
