"""The operator never stays stuck behind one call: a reconcile past its time limit is
abandoned and retried, a Lease round slower than the Lease's life gives up leading, and helm's
output is parsed off the event loop."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mercado_operator import controller as controller_module
from mercado_operator import leader as leader_module
from mercado_operator import render
from mercado_operator.controller import Controller
from mercado_operator.reconcile import Cluster, Outcome

SHOP = {"metadata": {"namespace": "shop", "name": "demo", "resourceVersion": "1"}}


async def test_a_hung_reconcile_is_abandoned_and_the_shop_retried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []

    async def reconcile(kube: Any, cluster: Any, body: dict[str, Any]) -> Outcome:
        calls.append(body["metadata"]["name"])
        if len(calls) == 1:
            await asyncio.Event().wait()  # an API call that never answers
        return Outcome()

    monkeypatch.setattr(controller_module, "reconcile", reconcile)
    monkeypatch.setattr(controller_module, "RECONCILE_TIMEOUT_SECONDS", 0.2)
    ctl = Controller(kube=None, resync_seconds=3600, identity="test")  # type: ignore[arg-type]
    ctl._cluster = Cluster("v1.37.2", [], [])
    ctl.lease.leading = True
    dispatch = asyncio.create_task(ctl._dispatch())
    try:
        ctl.seen(dict(SHOP), deleted=False)
        async with asyncio.timeout(30):
            while len(calls) < 2:
                await asyncio.sleep(0.05)
            while ctl._running:
                await asyncio.sleep(0.05)
    finally:
        dispatch.cancel()
    assert calls == ["demo", "demo"]  # abandoned once, then reconciled again


async def test_a_lease_round_slower_than_the_lease_gives_up_leading(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(leader_module, "LEASE_SECONDS", 0.3)
    monkeypatch.setattr(leader_module, "RENEW_EVERY", 0.1)
    lease = leader_module.LeaderLease(None, "ns", "lease", "me", on_start=lambda: None)  # type: ignore[arg-type]
    lease.leading = True
    stuck = asyncio.Event()

    async def hung_round() -> None:
        stuck.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(lease, "_round", hung_round)
    task = asyncio.create_task(lease.run())
    try:
        async with asyncio.timeout(30):
            await stuck.wait()
            while lease.leading:
                await asyncio.sleep(0.05)
    finally:
        task.cancel()
    assert lease.leading is False


def test_helm_output_is_parsed_into_its_objects_only() -> None:
    out = b"---\n# Source: x\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
    out += b"---\n\n---\nfoo: 1\n"
    assert render._documents(out) == [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    ]


async def test_many_shops_are_reconciled_a_few_at_a_time_and_all_of_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running: set[str] = set()
    most = 0
    done: list[str] = []

    async def reconcile(kube: Any, cluster: Any, body: dict[str, Any]) -> Outcome:
        nonlocal most
        name = body["metadata"]["name"]
        running.add(name)
        most = max(most, len(running))
        await asyncio.sleep(0.02)
        running.discard(name)
        done.append(name)
        return Outcome()

    monkeypatch.setattr(controller_module, "reconcile", reconcile)
    monkeypatch.setattr(controller_module, "WORKERS", 3)
    ctl = Controller(kube=None, resync_seconds=3600, identity="test")  # type: ignore[arg-type]
    ctl._cluster = Cluster("v1.37.2", [], [])
    ctl.lease.leading = True
    dispatch = asyncio.create_task(ctl._dispatch())
    names = [f"shop-{i:02d}" for i in range(20)]
    try:
        for name in names:
            ctl.seen({"metadata": {"namespace": "ns", "name": name}}, deleted=False)
        async with asyncio.timeout(30):
            while len(done) < len(names) or ctl._running:
                await asyncio.sleep(0.02)
    finally:
        dispatch.cancel()
    assert sorted(done) == names  # every Shop once, none left in the queue
    assert most == 3
