"""pytest plugin: the Kubernetes cluster with one real node (cluster-real.sh).

Fixtures:

* ``real_cluster`` (session): starts the cluster with ``tests/k8s/cluster-real.sh
  up`` or reuses a running one (e.g. from ``make test-cluster-real``). One this
  fixture started is stopped at the end of the session unless
  ``MERCADO_KEEP_CLUSTER=1``; one that was already running is left alone.
* ``real_namespace`` (per test): a fresh namespace, deleted after the test.

* ``project_images`` (session): ``docker save`` tars of the project's images.

The ``realcluster`` marker tags tests that need it. The binaries and images it
needs (``build.sh real``) are built right after collection, before any test; so
are the project's images (``make images``, then ``images/save.sh``) when a
selected test uses ``project_images``: a cold build takes many minutes, which
must not count against a test's own time limit.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.k8s.plugin import BUILD_SH, K8S_DIR, K8sCluster, _kubeconfig_from, temporary_namespace

CLUSTER_REAL_SH = K8S_DIR / "cluster-real.sh"
ROOT = K8S_DIR.parents[1]
MARKER = "realcluster"
IMAGE_TARS = pytest.StashKey[list[Path]]()
RESTRICTED = "pod-security.kubernetes.io/enforce=restricted"


def _cluster_real_sh(*args: str, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(CLUSTER_REAL_SH), *args],
        stdout=subprocess.PIPE,
        stderr=None,
        text=True,
        timeout=timeout,
    )


@dataclass
class RealCluster(K8sCluster):
    """The running real-node cluster."""

    published: dict[int, int] = field(default_factory=dict)  # nodePort -> host port

    def in_netns(
        self, *cmd: str, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Runs ``cmd`` inside the cluster's network namespace."""
        return self._script("exec", *cmd, check=check, timeout=timeout)

    def ctr(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Runs ctr against the node's containerd, in the pods' namespace (k8s.io)."""
        return self._script("ctr", *args, check=check, timeout=60)

    def _script(self, *args: str, check: bool, timeout: float) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["bash", str(CLUSTER_REAL_SH), *args], capture_output=True, text=True, timeout=timeout
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} exited {result.returncode}:\n{result.stderr}")
        return result

    def load_images(self, *tars: Path) -> None:
        """Imports image archives into the node's containerd."""
        result = _cluster_real_sh("load", *map(str, tars), timeout=600)
        assert result.returncode == 0, f"cluster-real.sh load failed (exit {result.returncode})"


def _published(status_stdout: str) -> dict[int, int]:
    match = re.search(r"published NodePorts \(.*\): (.*)", status_stdout)
    pairs = match.group(1).split() if match else []
    return {int(a): int(b) for a, b in (p.split("=") for p in pairs)}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}: needs the Kubernetes cluster with one real node (tests/k8s/cluster-real.sh)",
    )


def pytest_collection_finish(session: pytest.Session) -> None:
    """Builds the real node's binaries, helm and (when a test needs them) the project's
    images before any test: cold, that takes many minutes."""
    config = session.config
    items = [item for item in session.items if item.get_closest_marker(MARKER)]
    if config.option.collectonly or not items:
        return
    wants_images = any("project_images" in getattr(item, "fixturenames", ()) for item in items)
    capture = config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else nullcontext():
        # helm installs the operator's chart in the end-to-end test.
        result = subprocess.run(
            ["bash", str(BUILD_SH), "real", "helm"], stdout=sys.stderr, stderr=None
        )
        if result.returncode != 0:
            raise pytest.UsageError(f"tests/k8s/build.sh real failed (exit {result.returncode})")
        if wants_images:
            config.stash[IMAGE_TARS] = _build_and_save_images()


def _build_and_save_images() -> list[Path]:
    build = subprocess.run(["bash", str(ROOT / "images" / "build.sh")], stdout=sys.stderr)
    if build.returncode != 0:
        raise pytest.UsageError(f"images/build.sh failed (exit {build.returncode})")
    save = subprocess.run(
        ["bash", str(ROOT / "images" / "save.sh")], stdout=subprocess.PIPE, text=True
    )
    if save.returncode != 0:
        raise pytest.UsageError(f"images/save.sh failed (exit {save.returncode})")
    # One tar a line: "<path>" or "<path> (unchanged)".
    return [Path(line.split()[0]) for line in save.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def project_images(request: pytest.FixtureRequest) -> list[Path]:
    """The project's images (``make images``) as ``docker save`` tars, built before any test."""
    tars = request.config.stash.get(IMAGE_TARS, None)
    if tars is None:
        pytest.fail("the project's images were not built at collection", pytrace=False)
    return tars


@pytest.fixture(scope="session")
def real_cluster() -> Iterator[RealCluster]:
    if os.geteuid() != 0:
        pytest.skip("the real-node cluster needs root (network namespace, mounts, cgroups)")
    status = _cluster_real_sh("status")
    already_running = status.returncode == 0 and _kubeconfig_from(status.stdout) is not None
    if not already_running:
        print("starting the real-node cluster (tests/k8s/cluster-real.sh up)", file=sys.stderr)
        up = _cluster_real_sh("up")
        if up.returncode != 0 or _kubeconfig_from(up.stdout) is None:
            pytest.fail(
                f"tests/k8s/cluster-real.sh up failed (exit {up.returncode})", pytrace=False
            )
        status = _cluster_real_sh("status")
    kubeconfig = _kubeconfig_from(status.stdout)
    assert kubeconfig is not None, status.stdout
    cluster = RealCluster(
        kubeconfig=kubeconfig,
        started_here=not already_running,
        published=_published(status.stdout),
    )
    yield cluster
    if cluster.started_here and os.environ.get("MERCADO_KEEP_CLUSTER") != "1":
        _cluster_real_sh("down")


@pytest.fixture
def real_namespace(real_cluster: RealCluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new namespace named after the test, enforcing Pod Security "restricted"."""
    with temporary_namespace(real_cluster, request.node.name, RESTRICTED) as name:
        yield name
