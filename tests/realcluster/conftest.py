"""Fixtures for the real-node cluster's tests: a tiny image built from Debian's busybox."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.k8s.oci_image import write_image
from tests.k8s.real_plugin import RealCluster

TESTBOX = "mercado/testbox:1"


@pytest.fixture(scope="session")
def testbox_image(real_cluster: RealCluster, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A locally built image holding only a static busybox, loaded into the node.

    Its entry point is busybox itself, so a container's command names the applet
    (``sh``, ``httpd``, ``wget``, ...). It runs as 65532 by default.
    """
    busybox = shutil.which("busybox") or "/bin/busybox"
    if not Path(busybox).exists():
        pytest.fail("busybox is missing: apt-get install busybox-static (make system-deps)")
    tar = tmp_path_factory.mktemp("images") / "testbox.tar"
    write_image(tar, TESTBOX, {"/bin/busybox": Path(busybox)}, ["/bin/busybox"], "65532:65532", [])
    real_cluster.load_images(tar)
    return TESTBOX
