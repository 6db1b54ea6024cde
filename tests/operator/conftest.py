"""The Shop operator on the test cluster.

The operator chart is installed with helm (its Deployment scaled to zero: kwok's simulated
nodes cannot run a real process); the operator then runs here as a process with the chart's
ServiceAccount's token, so every test also proves that the chart's RBAC is enough.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.k8s.plugin import K8sCluster, bin_dir, wait_until
from tests.support.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "mercado-operator"
EXAMPLES = ROOT / "operator" / "examples"
SHOP_LABEL = "mercado.dev/shop"
SERVICES = ("catalog", "inventory", "orders", "payment", "notifications", "gateway", "bank")
WRITE_VERBS = {"create", "update", "patch", "delete", "deletecollection"}


def helm() -> str:
    """The pinned helm of tests/k8s (or MERCADO_OPERATOR_HELM)."""
    return os.environ.get("MERCADO_OPERATOR_HELM") or str(bin_dir() / "helm")


def kubeconfig_for_token(admin: Path, token: str, path: Path) -> Path:
    """A kubeconfig with the admin's cluster and a bearer token instead of a certificate."""
    config = yaml.safe_load(admin.read_text())
    cluster = config["clusters"][0]
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [cluster],
                "users": [{"name": "operator", "user": {"token": token}}],
                "contexts": [
                    {"name": "operator",
                     "context": {"cluster": cluster["name"], "user": "operator"}}
                ],
                "current-context": "operator",
            }
        )
    )  # fmt: skip
    return path


@dataclass
class Operator:
    """``python -m mercado_operator`` as a process, with the chart's ServiceAccount."""

    cluster: K8sCluster
    namespace: str
    release: str
    kubeconfig: Path
    log_dir: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    metrics_port: int = field(default_factory=free_port)

    @property
    def user(self) -> str:
        return f"system:serviceaccount:{self.namespace}:{self.release}"

    def start(self, wait_leader: bool = True) -> None:
        self.starts += 1
        log = open(self.log_dir / f"operator-{self.starts}.log", "wb")  # noqa: SIM115
        self.metrics_port = free_port()
        env = {
            **os.environ,
            **self.env,
            "KUBECONFIG": str(self.kubeconfig),
            "MERCADO_OPERATOR_HELM": helm(),
            "MERCADO_OPERATOR_METRICS_PORT": str(self.metrics_port),
            "MERCADO_OPERATOR_HEALTH_PORT": str(free_port()),
            "POD_NAME": f"operator-test-{self.starts}",
        }
        env.pop("KUBERNETES_SERVICE_HOST", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mercado_operator"], env=env, stdout=log, stderr=log
        )
        if wait_leader:
            wait_until(lambda: self.metric("mercado_operator_leader") == 1, timeout=60,
                       what="the operator to take the leader Lease")  # fmt: skip
        else:
            wait_until(self.metrics, timeout=30, what="the operator's /metrics")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def metrics(self) -> str:
        import urllib.request

        with urllib.request.urlopen(
            f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5
        ) as response:
            return str(response.read().decode())

    def metric(self, name: str) -> float:
        total = 0.0
        for line in self.metrics().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def rss_kib(self) -> int:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")


def audit_writes(cluster: K8sCluster, user: str, since: float) -> list[dict[str, Any]]:
    """Write calls ``user`` made since ``since`` (epoch seconds), from the audit log."""
    log = Path(cluster.kubeconfig).parent / "logs" / "audit.log"
    assert log.exists(), f"the test cluster has no audit log at {log} (restart it)"
    found = []
    for line in log.read_text().splitlines():
        event = json.loads(line)
        if event.get("user", {}).get("username") != user or event["verb"] not in WRITE_VERBS:
            continue
        stamp = event.get("requestReceivedTimestamp", "")
        when = time.mktime(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        if when >= since:
            found.append(event)
    return found


@contextmanager
def running_operator(cluster: K8sCluster, log_dir: Path, workdir: Path) -> Iterator[Operator]:
    """The operator chart installed (its Deployment at zero replicas) and the operator run
    here as a process with that chart's settings and ServiceAccount token; all removed after."""
    suffix = uuid.uuid4().hex[:6]
    namespace, release = f"mercado-system-{suffix}", f"mercado-operator-{suffix}"
    cluster.kubectl("create", "namespace", namespace)
    subprocess.run(
        [helm(), "install", release, str(CHART), "--namespace", namespace,
         "--kubeconfig", str(cluster.kubeconfig), "--set", "replicas=0", "--wait",
         "--timeout", "120s"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    cluster.kubectl("wait", "--for=condition=Established", "crd/shops.mercado.dev")
    deployment = json.loads(
        cluster.kubectl("-n", namespace, "get", "deployment", release, "-o", "json").stdout
    )
    pod = deployment["spec"]["template"]["spec"]
    env = {e["name"]: e["value"] for e in pod["containers"][0].get("env", []) if "value" in e}
    env["MERCADO_OPERATOR_NAMESPACE"] = namespace
    token = cluster.kubectl(
        "-n", namespace, "create", "token", pod["serviceAccountName"], "--duration=3h"
    ).stdout.strip()
    kubeconfig = kubeconfig_for_token(Path(cluster.kubeconfig), token, workdir / "kubeconfig")
    op = Operator(cluster, namespace, release, kubeconfig, log_dir, env)
    op.start()
    try:
        yield op
    finally:
        op.stop()
        subprocess.run(
            [helm(), "uninstall", release, "--namespace", namespace,
             "--kubeconfig", str(cluster.kubeconfig)],
            capture_output=True,
        )  # fmt: skip
        cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)


@pytest.fixture(scope="session")
def operator(
    k8s_cluster: K8sCluster, tmp_path_factory: pytest.TempPathFactory, artifacts: Path
) -> Iterator[Operator]:
    log_dir = artifacts / "operator"
    log_dir.mkdir(exist_ok=True)
    with running_operator(k8s_cluster, log_dir, tmp_path_factory.mktemp("operator")) as op:
        yield op


def apply(cluster: K8sCluster, namespace: str, manifest: str | dict[str, Any]) -> None:
    text = manifest if isinstance(manifest, str) else yaml.safe_dump(manifest)
    cluster.kubectl("-n", namespace, "apply", "-f", "-", input=text)


def shop_manifest(name: str, spec: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "mercado.dev/v1alpha1",
        "kind": "Shop",
        "metadata": {"name": name},
        "spec": spec or {"services": {"gateway": {"service": {"type": "ClusterIP"}}}},
    }


def get(cluster: K8sCluster, namespace: str, *what: str) -> dict[str, Any]:
    out = cluster.kubectl("-n", namespace, "get", *what, "-o", "json").stdout
    result: dict[str, Any] = json.loads(out)
    return result


def condition(shop: dict[str, Any], kind: str) -> dict[str, Any]:
    for cond in (shop.get("status") or {}).get("conditions") or []:
        if cond["type"] == kind:
            return dict(cond)
    return {}


def wait_condition(
    cluster: K8sCluster, namespace: str, name: str, kind: str = "Ready",
    status: str = "True", timeout: float = 180,
) -> dict[str, Any]:  # fmt: skip
    def check() -> dict[str, Any] | None:
        shop = get(cluster, namespace, "shop", name)
        cond = condition(shop, kind)
        ok = cond.get("status") == status
        ok = ok and shop["status"].get("observedGeneration") == shop["metadata"]["generation"]
        return shop if ok else None

    return wait_until(check, timeout=timeout, interval=1, what=f"shop/{name} {kind}={status}")


def children(cluster: K8sCluster, namespace: str, shop: str) -> dict[tuple[str, str], Any]:
    kinds = ",".join(
        ["deployments", "statefulsets", "services", "configmaps", "secrets", "serviceaccounts",
         "hpa", "networkpolicies", "poddisruptionbudgets"]
    )  # fmt: skip
    items = get(cluster, namespace, kinds, "-l", f"{SHOP_LABEL}={shop}")["items"]
    return {(i["kind"], i["metadata"]["name"]): i for i in items}
