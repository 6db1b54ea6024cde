"""The work queue: one reconcile at a time per Shop, kicks coalesced, a periodic resync,
and nothing at all while another replica holds the leader Lease."""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from mercado_operator import leader, metrics
from mercado_operator.kube import Kube
from mercado_operator.reconcile import Cluster, discover, reconcile

log = logging.getLogger(__name__)
ShopKey = tuple[str, str]  # (namespace, name)
# A reconcile that has not ended by then is abandoned and retried: one stuck call to the
# API server or to helm must never keep a Shop from being reconciled again.
RECONCILE_TIMEOUT_SECONDS = float(os.environ.get("MERCADO_OPERATOR_RECONCILE_TIMEOUT", "180"))
# Shops reconciled at once: each renders the chart with helm and applies its objects, so many
# Shops arriving together queue here instead of all competing for the CPU and the API server.
WORKERS = int(os.environ.get("MERCADO_OPERATOR_WORKERS", "4"))


class Controller:
    def __init__(self, kube: Kube, resync_seconds: float, identity: str) -> None:
        self.kube = kube
        self.resync_seconds = resync_seconds
        self.shops: dict[ShopKey, dict[str, Any]] = {}
        self._dirty: set[ShopKey] = set()
        self._running: set[ShopKey] = set()
        self._wake = asyncio.Event()
        self._cluster: Cluster | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._workers: set[asyncio.Task[None]] = set()
        self.lease = leader.LeaderLease(
            kube,
            namespace=os.environ.get("MERCADO_OPERATOR_NAMESPACE", "default"),
            name=os.environ.get("MERCADO_OPERATOR_LEASE", "mercado-operator"),
            identity=identity,
            on_start=self._became_leader,
        )

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._dispatch(), name="dispatch"),
            asyncio.create_task(self._resync(), name="resync"),
            asyncio.create_task(self.lease.run(), name="lease"),
        ]

    async def stop(self) -> None:
        tasks = [*self._tasks, *self._workers]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.lease.release()

    def seen(self, body: dict[str, Any], deleted: bool) -> None:
        """A Shop's latest body, from its watch."""
        key = (body["metadata"]["namespace"], body["metadata"]["name"])
        if deleted:
            self.shops.pop(key, None)
            self._update_gauges()
            return
        if _older(body, self.shops.get(key)):
            return  # the operator's own status write already gave a newer one
        self.shops[key] = body
        self.kick(key)

    def kick(self, key: ShopKey) -> None:
        if key in self.shops:
            self._dirty.add(key)
            self._wake.set()

    def _became_leader(self) -> None:
        for key in self.shops:
            self.kick(key)

    async def _resync(self) -> None:
        while True:
            await asyncio.sleep(self.resync_seconds)
            for key in list(self.shops):
                self.kick(key)

    async def _dispatch(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not self.lease.leading:
                continue
            for key in sorted(self._dirty - self._running):
                if len(self._running) >= WORKERS:
                    break  # a finishing worker wakes the queue again
                self._dirty.discard(key)
                self._running.add(key)
                worker = asyncio.create_task(self._work(key))
                self._workers.add(worker)
                worker.add_done_callback(self._workers.discard)

    async def _work(self, key: ShopKey) -> None:
        requeue: float | None = None
        try:
            body = self.shops.get(key)
            if body is None or body["metadata"].get("deletionTimestamp"):
                return
            if self._cluster is None:
                self._cluster = await discover(self.kube)
            outcome = await asyncio.wait_for(
                reconcile(self.kube, self._cluster, body), RECONCILE_TIMEOUT_SECONDS
            )
            requeue = outcome.requeue_after
            if outcome.shop and key in self.shops and not _older(outcome.shop, self.shops[key]):
                self.shops[key] = outcome.shop
        except TimeoutError:
            log.error(
                "reconcile abandoned: still running after its time limit",
                extra={"shop": "/".join(key), "seconds": RECONCILE_TIMEOUT_SECONDS},
            )
            requeue = 1
        except Exception:
            log.exception("reconcile failed", extra={"shop": "/".join(key)})
            requeue = 10
        finally:
            self._running.discard(key)
            self._update_gauges()
            if self._dirty:
                self._wake.set()
        if requeue:
            asyncio.get_running_loop().call_later(requeue, self.kick, key)

    def _update_gauges(self) -> None:
        true: dict[str, int] = {"Ready": 0, "Progressing": 0, "Degraded": 0}
        for body in self.shops.values():
            for cond in (body.get("status") or {}).get("conditions") or []:
                if cond.get("type") in true and cond.get("status") == "True":
                    true[cond["type"]] += 1
        for kind, count in true.items():
            metrics.SHOPS.labels(condition=kind).set(count)
        metrics.SHOPS_NOT_READY.set(len(self.shops) - true["Ready"])


def _older(body: dict[str, Any], than: dict[str, Any] | None) -> bool:
    """Whether ``body`` is an older version of the object than ``than`` (resourceVersions
    are etcd revisions: numbers that only grow)."""
    if than is None:
        return False
    mine = str(body["metadata"].get("resourceVersion", ""))
    theirs = str(than["metadata"].get("resourceVersion", ""))
    return mine.isdigit() and theirs.isdigit() and int(mine) < int(theirs)
