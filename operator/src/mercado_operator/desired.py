"""From rendered chart objects to what the operator applies, and whether a live object
already matches it (so that a reconcile with nothing to change writes nothing)."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from typing import Any

from mercado_operator.values import SHOP_LABEL

HASH_ANNOTATION = "mercado.dev/applied-hash"
SHOP_API_VERSION = "mercado.dev/v1alpha1"
CLUSTER_SCOPED = {
    "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
    "PriorityClass", "StorageClass", "PersistentVolume", "IngressClass",
    "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService",
}  # fmt: skip
Key = tuple[str, str]  # (kind, name)


def key_of(obj: dict[str, Any]) -> Key:
    return (obj["kind"], obj["metadata"]["name"])


def owner_reference(shop: dict[str, Any]) -> dict[str, Any]:
    meta = shop["metadata"]
    return {
        "apiVersion": SHOP_API_VERSION,
        "kind": "Shop",
        "name": meta["name"],
        "uid": meta["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def content_hash(obj: dict[str, Any]) -> str:
    canonical = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def own(obj: dict[str, Any], shop: dict[str, Any]) -> dict[str, Any]:
    """``obj`` placed in the Shop's namespace, labelled, owned by the Shop and hashed."""
    out = copy.deepcopy(obj)
    meta = out.setdefault("metadata", {})
    meta["namespace"] = shop["metadata"]["namespace"]
    meta.setdefault("labels", {})[SHOP_LABEL] = shop["metadata"]["name"]
    meta["ownerReferences"] = [owner_reference(shop)]
    if out["kind"] == "Secret" and "stringData" in out:
        data = out.setdefault("data", {})
        for name, value in out.pop("stringData").items():
            data[name] = base64.b64encode(str(value).encode()).decode()
    annotations = meta.setdefault("annotations", {})
    annotations.pop(HASH_ANNOTATION, None)
    annotations[HASH_ANNOTATION] = content_hash(out)
    return out


def prepare(
    rendered: list[dict[str, Any]], shop: dict[str, Any], progress_deadline: int
) -> list[dict[str, Any]]:
    """The objects to apply for ``rendered``: cluster-scoped kinds left out, replicas left
    to the HPA that scales a Deployment, each Deployment's progress deadline set."""
    scaled = {
        (hpa["spec"]["scaleTargetRef"]["kind"], hpa["spec"]["scaleTargetRef"]["name"])
        for hpa in rendered
        if hpa["kind"] == "HorizontalPodAutoscaler"
    }
    out = []
    for obj in rendered:
        if obj["kind"] in CLUSTER_SCOPED:
            continue
        obj = copy.deepcopy(obj)
        if obj["kind"] in ("Deployment", "StatefulSet"):
            _dedupe_env(obj)
        if obj["kind"] == "Deployment":
            if key_of(obj) in scaled:
                obj["spec"].pop("replicas", None)
            obj["spec"]["progressDeadlineSeconds"] = progress_deadline
        out.append(own(obj, shop))
    return out


def _dedupe_env(obj: dict[str, Any]) -> None:
    """Drops repeated identical env entries: server-side apply refuses a list-map with a key
    twice (the chart repeats a token variable when a service calls two others with it)."""
    pod = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
    for container in pod.get("containers") or []:
        seen: list[dict[str, Any]] = []
        for entry in container.get("env") or []:
            if entry not in seen:
                seen.append(entry)
        if "env" in container:
            container["env"] = seen


def _scalar_equal(want: Any, have: Any) -> bool:
    if isinstance(want, bool) or isinstance(have, bool):
        return want is have
    if isinstance(want, int | float) and isinstance(have, str | int | float):
        return str(want) == str(have) or want == have
    return bool(want == have)


def contains(want: Any, have: Any) -> bool:
    """Whether the live object ``have`` holds everything in ``want`` (the server may add
    defaults, so ``have`` can hold more); empty and null wants match absence."""
    if want is None or want == {} or want == []:
        return have in (None, {}, []) or (type(have) is type(want))
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return False
        return all(contains(value, have.get(name)) for name, value in want.items())
    if isinstance(want, list):
        if not isinstance(have, list):
            return False
        key = _list_key(want)
        if key:
            # A list-map (containers, env, ports...): entries are matched by their key, and
            # entries another field manager added are theirs (applying would not remove them).
            by_key = {key(h): h for h in have if isinstance(h, dict)}
            return all(contains(w, by_key.get(key(w))) for w in want)
        if len(want) != len(have):
            return False
        return all(contains(w, h) for w, h in zip(want, have, strict=True))
    return _scalar_equal(want, have)


def _list_key(items: list[Any]) -> Any:
    """How the API server keys the entries of a list-map, for the common ones."""
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    if all("name" in i for i in items):
        return lambda i: i.get("name")
    if all("containerPort" in i for i in items):
        return lambda i: (i.get("containerPort"), i.get("protocol", "TCP"))
    if all("port" in i for i in items):
        return lambda i: (i.get("port"), i.get("protocol", "TCP"))
    return None


def unchanged(want: dict[str, Any], live: dict[str, Any] | None) -> bool:
    """True when applying ``want`` over ``live`` would change nothing we own."""
    if live is None:
        return False
    annotations = (live.get("metadata") or {}).get("annotations") or {}
    if annotations.get(HASH_ANNOTATION) != want["metadata"]["annotations"][HASH_ANNOTATION]:
        return False
    return contains({k: v for k, v in want.items() if k != "status"}, live)


def owned_by(obj: dict[str, Any], uid: str) -> bool:
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return any(ref.get("uid") == uid for ref in refs)
