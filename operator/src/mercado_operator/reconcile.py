"""One reconcile of one Shop: render the chart for its spec, apply what differs, prune what
is no longer asked for, keep its Secret, and write its status when that changed."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from mercado_operator import desired, metrics, rollout, secrets, status
from mercado_operator.kube import Kube
from mercado_operator.model import ShopSpec
from mercado_operator.render import RenderError, render
from mercado_operator.values import (
    SHOP_LABEL,
    chart_values,
    enabled_services,
    secret_name,
    target_tags,
)

log = logging.getLogger(__name__)

# Kinds the chart may render, listed to find (and prune) a Shop's children.
CHILD_KINDS = (
    ("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "ServiceAccount"), ("v1", "Service"),
    ("v1", "PersistentVolumeClaim"), ("apps/v1", "Deployment"), ("apps/v1", "StatefulSet"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"), ("policy/v1", "PodDisruptionBudget"),
    ("networking.k8s.io/v1", "NetworkPolicy"), ("networking.k8s.io/v1", "Ingress"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
)  # fmt: skip


@dataclass
class Cluster:
    """What the operator learns about the API server once per run."""

    kube_version: str
    api_versions: list[str]
    kinds: list[tuple[str, str]]  # CHILD_KINDS the server serves


@dataclass
class Outcome:
    writes: int = 0
    requeue_after: float | None = None
    shop: dict[str, Any] | None = None  # the Shop after a status write


async def discover(kube: Kube) -> Cluster:
    kinds = [(v, k) for v, k in CHILD_KINDS if await kube.has_kind(v, k)]
    return Cluster(await kube.server_version(), await kube.api_versions(), kinds)


async def children(kube: Kube, cluster: Cluster, shop: dict[str, Any]) -> dict[desired.Key, Any]:
    meta = shop["metadata"]
    found: dict[desired.Key, Any] = {}
    for api_version, kind in cluster.kinds:
        for obj in await kube.list(
            api_version, kind, meta["namespace"], f"{SHOP_LABEL}={meta['name']}"
        ):
            found[desired.key_of(obj)] = obj
    return found


async def ensure_secret(kube: Kube, shop: dict[str, Any], live: Any) -> int:
    """Creates the Shop's Secret of generated values, or adds keys it lacks; never changes
    a value that exists."""
    meta = shop["metadata"]
    name = secret_name(meta["name"])
    data = (live or {}).get("data") or {}
    missing = secrets.missing_keys(data)
    if not missing:
        return 0
    if live is None:
        await kube.create({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {
                "name": name, "namespace": meta["namespace"],
                "labels": {SHOP_LABEL: meta["name"], "app.kubernetes.io/part-of": "mercado",
                           "app.kubernetes.io/managed-by": "mercado-operator"},
                "ownerReferences": [desired.owner_reference(shop)],
            },
            "type": "Opaque", "data": missing,
        })  # fmt: skip
    else:
        await kube.merge_patch("v1", "Secret", meta["namespace"], name, {"data": missing})
    return 1


def _url(shop: dict[str, Any], spec: ShopSpec, objs: list[dict[str, Any]]) -> str:
    if spec.services.gateway.ingress.enabled:
        return f"http://{spec.services.gateway.ingress.host}/"
    name = f"{shop['metadata']['name']}-gateway"
    for obj in objs:
        if obj["kind"] == "Service" and obj["metadata"]["name"] == name:
            port = obj["spec"]["ports"][0]["port"]
            return f"http://{name}.{shop['metadata']['namespace']}.svc:{port}/"
    return ""


async def reconcile(kube: Kube, cluster: Cluster, shop: dict[str, Any]) -> Outcome:
    started = time.monotonic()
    result = "error"
    try:
        outcome = await _reconcile(kube, cluster, shop)
        result = "changed" if outcome.writes else "unchanged"
        if shop.get("spec", {}).get("paused"):
            result = "paused"
        return outcome
    finally:
        metrics.RECONCILES.labels(result=result).inc()
        metrics.RECONCILE_SECONDS.observe(time.monotonic() - started)


async def _reconcile(kube: Kube, cluster: Cluster, shop: dict[str, Any]) -> Outcome:
    meta = shop["metadata"]
    name, namespace, uid = meta["name"], meta["namespace"], meta["uid"]
    previous = shop.get("status") or {}
    outcome = Outcome()
    spec = ShopSpec.model_validate(shop.get("spec") or {})
    targets = target_tags(spec)
    services = enabled_services(spec)
    live_children = await children(kube, cluster, shop)
    live = {
        svc: rollout.live_of(live_children[("Deployment", f"{name}-{svc}")])
        for svc in services
        if ("Deployment", f"{name}-{svc}") in live_children
    }
    order = [s for s in rollout.ORDER if s in services]
    obs = status.Observation(meta.get("generation", 0), spec.version, services, targets, live,
                             None, paused=spec.paused, url=previous.get("url", ""))  # fmt: skip
    if not spec.paused:
        try:
            obs, writes = await _apply(kube, cluster, shop, spec, order, live_children, obs)
            outcome.writes += writes
        except (RenderError, ValidationError) as exc:
            obs = _failed(obs, "RenderFailed", str(exc))
            await kube.event(shop, "Shop", "RenderFailed", str(exc), warning=True)
    new_status = status.build(obs, previous)
    _event_for_transition(previous, new_status)
    if status.differs(new_status, previous):
        await _status_events(kube, shop, previous, new_status)
        outcome.shop = await kube.patch_status("mercado.dev/v1alpha1", namespace, name, new_status)
        outcome.writes += 1
    if obs.plan and (obs.plan.rolling or len(obs.live) < len(services)):
        outcome.requeue_after = 5
    log.info("reconciled", extra={"shop": f"{namespace}/{name}", "uid": uid,
                                  "writes": outcome.writes})  # fmt: skip
    return outcome


def _failed(obs: status.Observation, reason: str, message: str) -> status.Observation:
    return status.Observation(
        obs.generation, obs.version, obs.services, obs.targets, obs.live, None,
        paused=obs.paused, error_reason=reason, error=message[:2000], url=obs.url,
    )  # fmt: skip


async def _apply(
    kube: Kube,
    cluster: Cluster,
    shop: dict[str, Any],
    spec: ShopSpec,
    order: list[str],
    live_children: dict[desired.Key, Any],
    obs: status.Observation,
) -> tuple[status.Observation, int]:
    meta = shop["metadata"]
    uid = meta["uid"]
    writes = await ensure_secret(
        kube, shop, live_children.get(("Secret", secret_name(meta["name"])))
    )
    plan = rollout.plan(order, obs.targets, obs.live)
    values = chart_values(meta["name"], spec, plan.tags)
    rendered = await render(
        meta["name"], meta["namespace"], values, cluster.kube_version, cluster.api_versions
    )
    wanted = desired.prepare(rendered, shop, spec.rollout.timeout_seconds)
    created = updated = pruned = 0
    for obj in wanted:
        live_obj = live_children.get(desired.key_of(obj))
        if desired.unchanged(obj, live_obj):
            continue
        await kube.apply(obj)
        writes += 1
        if live_obj is None:
            created += 1
        else:
            updated += 1
    keep = {desired.key_of(o) for o in wanted} | {("Secret", secret_name(meta["name"]))}
    for key, obj in live_children.items():
        if key not in keep and desired.owned_by(obj, uid):
            await kube.delete(obj["apiVersion"], obj["kind"], meta["namespace"], key[1])
            writes += 1
            pruned += 1
    if created or updated or pruned:
        await kube.event(
            shop, "Shop", "Applied",
            f"created {created}, updated {updated}, pruned {pruned} objects",
        )  # fmt: skip
    result = status.Observation(
        obs.generation, obs.version, obs.services, obs.targets, obs.live, plan,
        url=_url(shop, spec, wanted),
    )  # fmt: skip
    return result, writes


def _event_for_transition(previous: dict[str, Any], new: dict[str, Any]) -> None:
    before = {c["type"]: c for c in previous.get("conditions") or []}
    for cond in new["conditions"]:
        old = before.get(cond["type"])
        if not old or old.get("status") != cond["status"] or old.get("reason") != cond["reason"]:
            log.info(
                "condition changed",
                extra={"condition": cond["type"], "status": cond["status"],
                       "reason": cond["reason"], "detail": cond["message"]},
            )  # fmt: skip


async def _status_events(
    kube: Kube, shop: dict[str, Any], previous: dict[str, Any], new: dict[str, Any]
) -> None:
    before = {c["type"]: c for c in previous.get("conditions") or []}
    for cond in new["conditions"]:
        old = before.get(cond["type"]) or {}
        if old.get("reason") == cond["reason"] and old.get("status") == cond["status"]:
            continue
        warning = cond["type"] == "Degraded" and cond["status"] == "True"
        if cond["type"] == "Ready" and cond["status"] == "True":
            await kube.event(shop, "Shop", "Ready", cond["message"])
        elif warning or (cond["type"] == "Progressing" and cond["status"] == "True"):
            await kube.event(shop, "Shop", cond["reason"], cond["message"], warning=warning)
