"""Generated files are committed fresh: the charts' topology and values, and manifests/."""

from __future__ import annotations

import subprocess
from pathlib import Path

from mercado_topology import SHOP
from mercado_topology.chart_files import stale
from tests.charts.helm import ROOT
from tests.k8s.plugin import bin_dir


def test_chart_files_match_the_topology() -> None:
    assert stale(SHOP, ROOT) == [], "run `make charts` and commit the result"


def test_manifests_are_fresh(tmp_path: Path) -> None:
    subprocess.run(
        ["bash", str(ROOT / "scripts/render-manifests.sh"), str(tmp_path)],
        check=True,
        capture_output=True,
        env={"HELM": str(bin_dir() / "helm"), "PATH": "/usr/bin:/bin"},
    )
    committed = (ROOT / "manifests/mercado.yaml").read_text()
    assert (tmp_path / "mercado.yaml").read_text() == committed, "run `make charts`"
    assert "kind: Deployment" in committed
