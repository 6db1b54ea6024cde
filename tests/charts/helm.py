"""Runs the helm binary built for the tests (tests/k8s/build.sh helm) on the repository's charts."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from tests.k8s.plugin import bin_dir

ROOT = Path(__file__).resolve().parents[2]
CHARTS = ROOT / "charts"
UMBRELLA = CHARTS / "mercado"
LIBRARY = CHARTS / "mercado-lib"


def helm(
    *args: str, check: bool = True, kubeconfig: Path | None = None, timeout: float = 280
) -> subprocess.CompletedProcess[str]:
    cmd = [str(bin_dir() / "helm"), *args]
    if kubeconfig is not None:
        cmd += ["--kubeconfig", str(kubeconfig)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if check and result.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


def render_text(
    chart: Path = UMBRELLA,
    release: str = "demo",
    values: Iterable[Path] = (),
    sets: Iterable[str] = (),
    api_versions: Iterable[str] = (),
    namespace: str = "shop",
) -> str:
    args = ["template", release, str(chart), "--namespace", namespace]
    for path in values:
        args += ["-f", str(path)]
    for item in sets:
        args += ["--set", item]
    for api in api_versions:
        args += ["--api-versions", api]
    return helm(*args).stdout


def render(**kwargs: Any) -> list[dict[str, Any]]:
    """The chart's objects, as dicts (empty documents left out)."""
    return [doc for doc in yaml.safe_load_all(render_text(**kwargs)) if doc]


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def service_charts() -> list[Path]:
    """Every application chart: the umbrella and the thin chart of each service."""
    return sorted(
        p.parent
        for p in CHARTS.glob("*/Chart.yaml")
        if "type: library" not in p.read_text() and p.parent.name != "mercado-operator"
    )
