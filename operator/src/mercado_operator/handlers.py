"""kopf handlers: settings at startup, and watches that only feed the Controller's queue
(raw event handlers keep no state on the objects: no finalizers, no annotations)."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import kopf

from mercado_operator.controller import Controller
from mercado_operator.kube import Kube
from mercado_operator.values import SHOP_LABEL

log = logging.getLogger(__name__)
_state: dict[str, Controller] = {}

# Every kind of child the operator restores when it is deleted or edited.
WATCHED = (
    ("apps/v1", "deployments"), ("apps/v1", "statefulsets"),
    ("v1", "services"), ("v1", "configmaps"), ("v1", "secrets"), ("v1", "serviceaccounts"),
    ("autoscaling/v2", "horizontalpodautoscalers"),
    ("networking.k8s.io/v1", "networkpolicies"), ("policy/v1", "poddisruptionbudgets"),
)  # fmt: skip


@kopf.on.startup()
async def startup(settings: kopf.OperatorSettings, **_: Any) -> None:
    settings.posting.enabled = False  # the operator posts its own Events on the Shop
    settings.peering.standalone = True  # a Lease, not kopf's peering, picks the leader
    settings.watching.server_timeout = 300
    settings.watching.client_timeout = 330
    settings.networking.request_timeout = 60
    kube = await Kube.connect()
    identity = os.environ.get("POD_NAME") or f"{socket.gethostname()}-{os.getpid()}"
    resync = float(os.environ.get("MERCADO_OPERATOR_RESYNC_SECONDS", "300"))
    controller = Controller(kube, resync_seconds=resync, identity=identity)
    controller.start()
    _state["controller"] = controller
    log.info("operator started", extra={"identity": identity, "resync_seconds": resync})


@kopf.on.cleanup()
async def cleanup(**_: Any) -> None:
    controller = _state.pop("controller", None)
    if controller:
        await controller.stop()
        await controller.kube.close()


@kopf.on.event("mercado.dev", "v1alpha1", "shops")
async def shop_event(body: kopf.Body, type: str | None, **_: Any) -> None:
    controller = _state.get("controller")
    if controller:
        controller.seen(dict(body), deleted=type == "DELETED")


def _child_event(body: kopf.Body, **_: Any) -> None:
    controller = _state.get("controller")
    shop = (body.get("metadata", {}).get("labels") or {}).get(SHOP_LABEL)
    if controller and shop:
        controller.kick((body["metadata"]["namespace"], shop))


for _group_version, _plural in WATCHED:
    kopf.on.event(
        _group_version, _plural, labels={SHOP_LABEL: kopf.PRESENT}, id=f"child-{_plural}"
    )(_child_event)
