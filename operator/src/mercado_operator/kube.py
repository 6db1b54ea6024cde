"""The one module that talks to the Kubernetes API (import-linter keeps it so).

Every write goes through ``_write`` so that ``mercado_operator_api_writes_total`` counts the
calls really made.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Awaitable
from typing import Any, TypeVar

from kubernetes.aio import client, config
from kubernetes.aio.client.exceptions import ApiException
from kubernetes.aio.dynamic import DynamicClient
from kubernetes.aio.dynamic.exceptions import NotFoundError, ResourceNotFoundError

from mercado_operator import metrics

FIELD_MANAGER = "mercado-operator"
T = TypeVar("T")


class Kube:
    """An API connection: dynamic (any kind) reads, server-side apply, status, events."""

    def __init__(self, api: client.ApiClient, dynamic: DynamicClient) -> None:
        self._api = api
        self._dyn = dynamic
        self._kinds: dict[tuple[str, str], Any] = {}
        self._discovery = asyncio.Lock()

    @classmethod
    async def connect(cls) -> Kube:
        if os.environ.get("KUBERNETES_SERVICE_HOST") and not os.environ.get("KUBECONFIG"):
            config.load_incluster_config()
        else:
            await config.load_kube_config()
        api = client.ApiClient()
        # The discovery cache stays in memory: a file shared by two processes races.
        cache = tempfile.mkdtemp(prefix="mercado-operator-") + "/discovery.json"
        dynamic = await DynamicClient(api, cache_file=cache)
        return cls(api, dynamic)

    async def close(self) -> None:
        await self._api.close()

    async def _write(self, verb: str, kind: str, call: Awaitable[T]) -> T:
        metrics.API_WRITES.labels(verb=verb, kind=kind).inc()
        return await call

    async def _resource(self, api_version: str, kind: str) -> Any:
        """The API resource of a kind, discovered once (one discovery at a time: the
        client's discovery cache is not safe under concurrent refreshes)."""
        key = (api_version, kind)
        if key not in self._kinds:
            async with self._discovery:
                if key not in self._kinds:
                    self._kinds[key] = await self._dyn.resources.get(
                        api_version=api_version, kind=kind
                    )
        return self._kinds[key]

    async def server_version(self) -> str:
        info = await client.VersionApi(self._api).get_code()
        return str(info.git_version)

    async def api_versions(self) -> list[str]:
        """Every group/version the server serves, and group/version/Kind of each resource
        (the form ``helm template --api-versions`` takes for capability checks)."""
        found: list[str] = ["v1"]
        groups = (await self._dyn.request("get", "/apis")).to_dict()
        for group in groups.get("groups", []):
            for version in group.get("versions", []):
                found.append(version["groupVersion"])
                listing = await self._dyn.request("get", f"/apis/{version['groupVersion']}")
                for res in listing.to_dict().get("resources", []):
                    if "/" not in res["name"]:
                        found.append(f"{version['groupVersion']}/{res['kind']}")
        return sorted(set(found))

    async def has_kind(self, api_version: str, kind: str) -> bool:
        try:
            await self._resource(api_version, kind)
        except ResourceNotFoundError:
            return False
        return True

    async def get(
        self, api_version: str, kind: str, namespace: str | None, name: str
    ) -> dict[str, Any] | None:
        resource = await self._resource(api_version, kind)
        try:
            found = await self._dyn.get(resource, name=name, namespace=namespace)
        except NotFoundError:
            return None
        result: dict[str, Any] = found.to_dict()
        return result

    async def list(
        self, api_version: str, kind: str, namespace: str | None, selector: str | None = None
    ) -> list[dict[str, Any]]:
        resource = await self._resource(api_version, kind)
        found = await self._dyn.get(resource, namespace=namespace, label_selector=selector)
        items: list[dict[str, Any]] = found.to_dict().get("items", [])
        for item in items:
            item.setdefault("apiVersion", api_version)
            item.setdefault("kind", kind)
        return items

    async def apply(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Server-side apply as ``mercado-operator``, taking over conflicting fields."""
        resource = await self._resource(obj["apiVersion"], obj["kind"])
        meta = obj["metadata"]
        result = await self._write(
            "apply",
            obj["kind"],
            self._dyn.server_side_apply(
                resource,
                body=obj,
                name=meta["name"],
                namespace=meta.get("namespace"),
                field_manager=FIELD_MANAGER,
                force_conflicts=True,
            ),
        )
        applied: dict[str, Any] = result.to_dict()
        return applied

    async def create(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        """Creates ``obj``; None when it already exists."""
        resource = await self._resource(obj["apiVersion"], obj["kind"])
        try:
            made = await self._write(
                "create",
                obj["kind"],
                self._dyn.create(
                    resource, body=obj, namespace=obj["metadata"].get("namespace"),
                    field_manager=FIELD_MANAGER,
                ),
            )  # fmt: skip
        except ApiException as exc:
            if exc.status == 409:
                return None
            raise
        created: dict[str, Any] = made.to_dict()
        return created

    async def merge_patch(self, api_version: str, kind: str, namespace: str, name: str,
                          patch: dict[str, Any]) -> None:  # fmt: skip
        resource = await self._resource(api_version, kind)
        await self._write(
            "patch",
            kind,
            self._dyn.patch(
                resource, body=patch, name=name, namespace=namespace,
                content_type="application/merge-patch+json", field_manager=FIELD_MANAGER,
            ),
        )  # fmt: skip

    async def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        resource = await self._resource(api_version, kind)
        with contextlib.suppress(NotFoundError):
            await self._write(
                "delete",
                kind,
                self._dyn.delete(
                    resource, name=name, namespace=namespace,
                    body={"propagationPolicy": "Background"},
                ),
            )  # fmt: skip

    async def patch_status(
        self, api_version: str, namespace: str, name: str, status: dict[str, Any]
    ) -> dict[str, Any]:
        """Merge-patches the status; returns the Shop as it now is."""
        group, version = api_version.split("/")
        api = client.CustomObjectsApi(self._api)
        result = await self._write(
            "patch",
            "Shop/status",
            api.patch_namespaced_custom_object_status(
                group, version, namespace, "shops", name, {"status": status},
                _content_type="application/merge-patch+json", field_manager=FIELD_MANAGER,
            ),
        )  # fmt: skip
        return dict(result) if isinstance(result, dict) else {"metadata": {}}

    async def event(
        self, owner: dict[str, Any], kind: str, reason: str, message: str, warning: bool = False
    ) -> None:
        """A Kubernetes Event on ``owner`` (the Shop), as ``kubectl describe`` shows them."""
        meta = owner["metadata"]
        now = dt.datetime.now(dt.UTC)
        body = client.CoreV1Event(
            metadata=client.V1ObjectMeta(
                generate_name=f"{meta['name']}.", namespace=meta["namespace"]
            ),
            involved_object=client.V1ObjectReference(
                api_version=owner["apiVersion"], kind=kind, name=meta["name"],
                namespace=meta["namespace"], uid=meta["uid"],
                resource_version=meta.get("resourceVersion"),
            ),
            reason=reason, message=message[:1000], type="Warning" if warning else "Normal",
            first_timestamp=now, last_timestamp=now, count=1,
            source=client.V1EventSource(component=FIELD_MANAGER),
            reporting_component=FIELD_MANAGER, reporting_instance=os.environ.get("HOSTNAME", ""),
        )  # fmt: skip
        with contextlib.suppress(ApiException):  # an Event is a courtesy, never a failure
            await self._write(
                "create", "Event",
                client.CoreV1Api(self._api).create_namespaced_event(meta["namespace"], body),
            )  # fmt: skip

    # -- leases (leader election) ------------------------------------------------------------

    async def lease(self, namespace: str, name: str) -> dict[str, Any] | None:
        return await self.get("coordination.k8s.io/v1", "Lease", namespace, name)

    async def write_lease(self, namespace: str, lease: dict[str, Any]) -> bool:
        """Creates or replaces (optimistically, by resourceVersion) a Lease; False on a race."""
        resource = await self._resource("coordination.k8s.io/v1", "Lease")
        try:
            if lease["metadata"].get("resourceVersion"):
                await self._write("update", "Lease", self._dyn.replace(
                    resource, body=lease, namespace=namespace))  # fmt: skip
            else:
                await self._write("create", "Lease", self._dyn.create(
                    resource, body=lease, namespace=namespace))  # fmt: skip
        except ApiException as exc:
            if exc.status in (409, 422):
                return False
            raise
        return True


def is_not_found(exc: BaseException) -> bool:
    return isinstance(exc, NotFoundError | ResourceNotFoundError) or (
        isinstance(exc, ApiException) and exc.status == 404
    )
