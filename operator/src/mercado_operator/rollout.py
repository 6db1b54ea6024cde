"""Upgrades one service at a time, in dependency order, halting on one that fails."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mercado_topology import SHOP

# The topology's rollout order (dependencies first), services only.
ORDER = tuple(name for name in SHOP.rollout_order() if name in {c.name for c in SHOP.services})


@dataclass(frozen=True)
class Live:
    """A service's Deployment as observed."""

    tag: str
    desired: int
    ready: int
    available: bool
    stalled: str = ""  # the Deployment's message once its progress deadline passed


@dataclass
class Plan:
    tags: dict[str, str] = field(default_factory=dict)  # tag to render, per service
    rolling: str = ""  # the service being rolled or waited for
    stalled: str = ""  # the service that failed to become available
    stalled_message: str = ""


def live_of(deployment: dict[str, Any]) -> Live:
    spec = deployment.get("spec") or {}
    status = deployment.get("status") or {}
    containers = ((spec.get("template") or {}).get("spec") or {}).get("containers") or [{}]
    image = str(containers[0].get("image", ""))
    tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else "latest"
    desired = int(spec.get("replicas", 1))
    ready = int(status.get("readyReplicas") or 0)
    current = (status.get("observedGeneration") or 0) >= (
        (deployment.get("metadata") or {}).get("generation") or 0
    )
    available = (
        current
        and int(status.get("updatedReplicas") or 0) == desired
        and int(status.get("availableReplicas") or 0) == desired
        and int(status.get("replicas") or 0) == desired
    )
    stalled = ""
    for cond in status.get("conditions") or []:
        if cond.get("type") == "Progressing" and cond.get("reason") == "ProgressDeadlineExceeded":
            stalled = str(cond.get("message", ""))
    return Live(tag=tag, desired=desired, ready=ready, available=available, stalled=stalled)


def plan(order: list[str], targets: dict[str, str], live: dict[str, Live]) -> Plan:
    """Which tag each service gets now. Services without a Deployment get their target at
    once (a new shop starts whole); existing ones move one at a time, each only once every
    service before it runs its target and is available."""
    result = Plan()
    blocked = False
    for name in order:
        target = targets[name]
        seen = live.get(name)
        if seen is None:
            result.tags[name] = target
            continue
        if blocked:
            result.tags[name] = seen.tag
            continue
        result.tags[name] = target
        if seen.tag == target and seen.available:
            continue
        blocked = True
        result.rolling = name
        if seen.tag == target and seen.stalled:
            result.stalled = name
            result.stalled_message = seen.stalled
    return result
