"""A Shop's status from what was observed: conditions, per-service figures, the URL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from mercado_operator.rollout import Live, Plan


@dataclass(frozen=True)
class Observation:
    generation: int
    version: str
    services: list[str]  # the services the Shop runs
    targets: dict[str, str]
    live: dict[str, Live]
    plan: Plan | None  # None while paused or when rendering failed
    paused: bool = False
    error_reason: str = ""
    error: str = ""
    url: str = ""


def _condition(kind: str, true: bool, reason: str, message: str) -> dict[str, Any]:
    return {"type": kind, "status": "True" if true else "False", "reason": reason,
            "message": message}  # fmt: skip


def conditions(obs: Observation) -> list[dict[str, Any]]:
    missing = [s for s in obs.services if s not in obs.live or not obs.live[s].available]
    behind = [s for s in obs.services if s in obs.live and obs.live[s].tag != obs.targets[s]]
    plan = obs.plan
    if obs.error:
        degraded = _condition("Degraded", True, obs.error_reason, obs.error)
    elif plan and plan.stalled:
        degraded = _condition(
            "Degraded", True, "RolloutStalled",
            f"{plan.stalled} did not become available at {obs.targets[plan.stalled]}: "
            f"{plan.stalled_message}; the rollout is halted",
        )  # fmt: skip
    else:
        degraded = _condition("Degraded", False, "AsExpected", "no failure observed")
    if obs.paused:
        progressing = _condition("Progressing", False, "Paused", "spec.paused is true")
    elif plan and plan.stalled:
        progressing = _condition("Progressing", False, "RolloutStalled", degraded["message"])
    elif behind and plan and plan.rolling:
        progressing = _condition(
            "Progressing", True, "RollingOut",
            f"rolling {plan.rolling} to {obs.targets[plan.rolling]}; "
            f"still to roll: {', '.join(behind)}",
        )  # fmt: skip
    elif missing and not obs.error:
        progressing = _condition(
            "Progressing", True, "WaitingForServices", f"waiting for {', '.join(missing)}"
        )
    else:
        progressing = _condition("Progressing", False, "Stable", "nothing left to do")
    if not missing and not behind and not obs.error:
        ready = _condition(
            "Ready", True, "AllServicesAvailable",
            f"{len(obs.services)} services available at their versions",
        )  # fmt: skip
    elif obs.error:
        ready = _condition("Ready", False, obs.error_reason, obs.error)
    else:
        parts = []
        if missing:
            parts.append(f"not available: {', '.join(missing)}")
        if behind:
            parts.append(f"not yet at their version: {', '.join(behind)}")
        ready = _condition("Ready", False, "ServicesUnavailable", "; ".join(parts))
    return [ready, progressing, degraded]


def build(obs: Observation, previous: dict[str, Any] | None) -> dict[str, Any]:
    """The status to write; a condition keeps its lastTransitionTime while its status holds."""
    before = {c.get("type"): c for c in (previous or {}).get("conditions") or []}
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    conds = []
    for cond in conditions(obs):
        old = before.get(cond["type"])
        same = old is not None and old.get("status") == cond["status"]
        cond["lastTransitionTime"] = old.get("lastTransitionTime", now) if same and old else now
        cond["observedGeneration"] = obs.generation
        conds.append(cond)
    services = {
        name: {
            "desired": obs.live[name].desired if name in obs.live else 0,
            "ready": obs.live[name].ready if name in obs.live else 0,
            "version": obs.live[name].tag if name in obs.live else "",
        }
        for name in obs.services
    }
    available = sum(1 for s in obs.services if s in obs.live and obs.live[s].available)
    at_version = all(obs.live.get(s) and obs.live[s].tag == obs.targets[s] for s in obs.services)
    return {
        "observedGeneration": obs.generation,
        "conditions": conds,
        "services": services,
        "servicesReady": f"{available}/{len(obs.services)}",
        "version": obs.version if at_version else (previous or {}).get("version", ""),
        "url": obs.url,
    }


def differs(new: dict[str, Any], old: dict[str, Any] | None) -> bool:
    """Whether writing ``new`` over ``old`` changes anything."""
    return _strip(new) != _strip(old or {})


def _strip(status: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in status.items() if k != "kopf"}
