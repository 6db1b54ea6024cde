"""pytest plugin: a real Kubernetes control plane for the tests.

Fixtures:

* ``k8s_cluster`` (session): starts the cluster with ``tests/k8s/cluster.sh up``
  (building the binaries first if the cache is cold), or reuses one that is
  already running (e.g. from ``make test-cluster``). A cluster this fixture
  started is stopped at the end of the session unless ``MERCADO_KEEP_CLUSTER=1``;
  one that was already running is left alone.
* ``k8s_namespace`` (per test): a fresh namespace, deleted after the test.

The ``cluster`` marker tags tests that need the cluster.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import pytest

K8S_DIR = Path(__file__).resolve().parent
CLUSTER_SH = K8S_DIR / "cluster.sh"
BUILD_SH = K8S_DIR / "build.sh"

T = TypeVar("T")


def pinned_versions() -> dict[str, str]:
    """The versions pinned in versions.env (KEY=value lines)."""
    versions = {}
    for line in (K8S_DIR / "versions.env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            versions[key] = value
    return versions


@lru_cache(maxsize=1)
def bin_dir() -> Path:
    """Directory of the cached binaries (kubectl, kube-apiserver, ...)."""
    out = subprocess.run(
        ["bash", str(BUILD_SH), "--print-bindir"], check=True, capture_output=True, text=True
    )
    return Path(out.stdout.strip())


def kubectl(
    kubeconfig: Path | str,
    *args: str,
    input: str | None = None,
    check: bool = True,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Runs the cluster's own kubectl against ``kubeconfig``; output as text.

    With ``check`` (the default) a non-zero exit raises ``AssertionError``
    carrying kubectl's stderr.
    """
    cmd = [str(bin_dir() / "kubectl"), "--kubeconfig", str(kubeconfig), *args]
    result = subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(
            f"kubectl {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
        )
    return result


def wait_until(
    condition: Callable[[], T | None],
    timeout: float = 120,
    interval: float = 1.0,
    what: str = "condition",
) -> T:
    """Polls ``condition`` until it returns something truthy, and returns it.

    Exceptions from ``condition`` count as "not yet"; the last one is reported
    if the timeout runs out.
    """
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            value = condition()
            if value:
                return value
        except Exception as exc:
            last_error = exc
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{detail}")
        time.sleep(interval)


@dataclass
class K8sCluster:
    """A running test cluster."""

    kubeconfig: Path
    started_here: bool

    def kubectl(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return kubectl(self.kubeconfig, *args, input=input, check=check, timeout=timeout)

    def api_client(self):
        """A ``kubernetes.client.ApiClient`` for the cluster's admin user."""
        from kubernetes import config

        return config.new_client_from_config(config_file=str(self.kubeconfig))


def _cluster_sh(*args: str) -> subprocess.CompletedProcess[str]:
    # stderr (progress, build output) goes straight to the terminal / pytest's
    # capture, so a slow cold build shows what it is doing.
    return subprocess.run(
        ["bash", str(CLUSTER_SH), *args], stdout=subprocess.PIPE, stderr=None, text=True
    )


def _kubeconfig_from(stdout: str) -> Path | None:
    lines = [line for line in stdout.splitlines() if line.startswith("KUBECONFIG=")]
    return Path(lines[-1].split("=", 1)[1]) if lines else None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "cluster: needs the real Kubernetes test cluster (tests/k8s/cluster.sh)"
    )


def pytest_collection_finish(session: pytest.Session) -> None:
    """Builds the binaries (a cold build takes many minutes) before any test runs.

    Done here rather than in the fixture so that a per-test time limit (such as
    pytest-timeout's) does not count the build; skipped when no collected test
    needs the cluster or the chart tools (helm, kind), or when only collecting.
    """
    config = session.config
    components = []
    if any(item.get_closest_marker("cluster") for item in session.items):
        components.append("cluster")
    if any(item.get_closest_marker("charts") for item in session.items):
        components += ["helm", "kind"]
    elif any(item.get_closest_marker("operator") for item in session.items):
        components.append("helm")  # the operator renders the umbrella chart with helm
    if config.option.collectonly or not components:
        return
    capture = config.pluginmanager.getplugin("capturemanager")
    # Let the build's progress reach the terminal.
    with capture.global_and_fixture_disabled() if capture else nullcontext():
        result = subprocess.run(
            ["bash", str(BUILD_SH), *components], stdout=sys.stderr, stderr=None
        )
    if result.returncode != 0:
        raise pytest.UsageError(f"tests/k8s/build.sh failed (exit {result.returncode})")


@pytest.fixture(scope="session")
def k8s_cluster() -> Iterator[K8sCluster]:
    status = _cluster_sh("status")
    already_running = status.returncode == 0 and _kubeconfig_from(status.stdout) is not None
    if already_running:
        kubeconfig = _kubeconfig_from(status.stdout)
    else:
        print("starting the Kubernetes test cluster (tests/k8s/cluster.sh up)", file=sys.stderr)
        up = _cluster_sh("up")
        kubeconfig = _kubeconfig_from(up.stdout)
        if up.returncode != 0 or kubeconfig is None:
            pytest.fail(f"tests/k8s/cluster.sh up failed (exit {up.returncode})", pytrace=False)
    assert kubeconfig is not None
    cluster = K8sCluster(kubeconfig=kubeconfig, started_here=not already_running)
    yield cluster
    if cluster.started_here and os.environ.get("MERCADO_KEEP_CLUSTER") != "1":
        _cluster_sh("down")


@contextmanager
def temporary_namespace(cluster: K8sCluster, base: str, *labels: str) -> Iterator[str]:
    """A new namespace ``<base>-<random>`` with ``labels`` (``key=value``); deleted
    (without waiting) afterwards."""
    base = re.sub(r"[^a-z0-9-]+", "-", base.lower()).strip("-")[:40].strip("-")
    name = f"{base}-{uuid.uuid4().hex[:6]}"
    cluster.kubectl("create", "namespace", name)
    try:
        if labels:
            cluster.kubectl("label", "namespace", name, *labels)
        # The service account controller adds "default" a moment later; pods and tokens
        # need it.
        wait_until(
            lambda: (
                cluster.kubectl("get", "sa", "default", "-n", name, check=False).returncode == 0
            ),
            timeout=60,
            interval=0.2,
            what=f"the default service account of namespace {name}",
        )
        yield name
    finally:
        cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


@pytest.fixture
def k8s_namespace(k8s_cluster: K8sCluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new namespace named after the test; deleted (without waiting) afterwards."""
    with temporary_namespace(k8s_cluster, request.node.name) as name:
        yield name
