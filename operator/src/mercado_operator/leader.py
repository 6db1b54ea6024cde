"""Leader election with a coordination.k8s.io Lease: with two replicas only one acts."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from mercado_operator import metrics
from mercado_operator.kube import Kube

log = logging.getLogger(__name__)
LEASE_SECONDS = 15
RENEW_EVERY = 5


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(stamp: str | None) -> dt.datetime | None:
    if not stamp:
        return None
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def expired(spec: dict[str, Any], now: dt.datetime) -> bool:
    renewed = _parse(spec.get("renewTime"))
    duration = int(spec.get("leaseDurationSeconds") or LEASE_SECONDS)
    return renewed is None or (now - renewed).total_seconds() > duration


class LeaderLease:
    def __init__(
        self, kube: Kube, namespace: str, name: str, identity: str, on_start: Callable[[], None]
    ) -> None:
        self.kube, self.namespace, self.name, self.identity = kube, namespace, name, identity
        self.on_start = on_start
        self.leading = False

    async def run(self) -> None:
        while True:
            try:
                # A round slower than the Lease's remaining life must not leave this
                # replica acting on a Lease another one may already have taken.
                await asyncio.wait_for(self._round(), LEASE_SECONDS - RENEW_EVERY)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("lease round failed")
                self._set(False)
            await asyncio.sleep(RENEW_EVERY)

    async def _round(self) -> None:
        lease = await self.kube.lease(self.namespace, self.name)
        now = _now()
        spec: dict[str, Any] = (lease or {}).get("spec") or {}
        holder = spec.get("holderIdentity")
        if lease is not None and holder not in (self.identity, None, "") and not expired(spec, now):
            self._set(False)
            return
        body: dict[str, Any] = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": {
                "holderIdentity": self.identity,
                "leaseDurationSeconds": LEASE_SECONDS,
                "renewTime": _stamp(now),
                "acquireTime": spec.get("acquireTime") if holder == self.identity else _stamp(now),
                "leaseTransitions": int(spec.get("leaseTransitions") or 0)
                + (0 if holder == self.identity else 1),
            },
        }
        if lease is not None:
            body["metadata"]["resourceVersion"] = lease["metadata"]["resourceVersion"]
        self._set(await self.kube.write_lease(self.namespace, body))

    def _set(self, leading: bool) -> None:
        if leading and not self.leading:
            log.info("became the leader", extra={"identity": self.identity})
            self.leading = True
            self.on_start()
        elif not leading and self.leading:
            log.info("lost the leader Lease", extra={"identity": self.identity})
            self.leading = False
        metrics.LEADER.set(1 if self.leading else 0)

    async def release(self) -> None:
        """Hands the Lease back on a clean stop so a standby takes over at once."""
        if not self.leading:
            return
        lease = await self.kube.lease(self.namespace, self.name)
        if lease and (lease.get("spec") or {}).get("holderIdentity") == self.identity:
            lease["spec"]["holderIdentity"] = ""
            lease["spec"]["renewTime"] = None
            await self.kube.write_lease(self.namespace, lease)
        self.leading = False
