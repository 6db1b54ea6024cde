"""Renders the umbrella chart with ``helm template`` into a list of manifests."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import yaml

REPO_CHART = Path(__file__).resolve().parents[3] / "charts" / "mercado"


class RenderError(Exception):
    """helm template failed; the message is helm's own."""


def helm_binary() -> str:
    configured = os.environ.get("MERCADO_OPERATOR_HELM")
    found = configured or shutil.which("helm")
    if not found:
        raise RenderError("no helm binary: set MERCADO_OPERATOR_HELM or put helm on PATH")
    return found


def chart_path() -> Path:
    return Path(os.environ.get("MERCADO_OPERATOR_CHART", str(REPO_CHART)))


async def render(
    release: str,
    namespace: str,
    values: dict[str, Any],
    kube_version: str,
    api_versions: list[str],
) -> list[dict[str, Any]]:
    """The chart's objects for ``values``: no hooks, no test pods, no CRDs."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        yaml.safe_dump(values, handle)
        values_file = handle.name
    try:
        args = [
            helm_binary(), "template", release, str(chart_path()),
            "--namespace", namespace, "--values", values_file,
            "--no-hooks", "--skip-tests", "--kube-version", kube_version,
        ]  # fmt: skip
        for api_version in api_versions:
            args += ["--api-versions", api_version]
        proc = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        try:
            out, err = await proc.communicate()
        except asyncio.CancelledError:  # the reconcile was abandoned: leave no helm behind
            proc.kill()
            await proc.wait()
            raise
    finally:
        os.unlink(values_file)
    if proc.returncode != 0:
        raise RenderError(err.decode(errors="replace").strip() or f"helm exited {proc.returncode}")
    # Parsed by libyaml in a thread: the chart's output is large, and the event loop keeps
    # serving watches, the Lease and the other Shops meanwhile.
    return await asyncio.to_thread(_documents, out)


def _documents(out: bytes) -> list[dict[str, Any]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    docs = yaml.load_all(out, Loader=loader)  # a safe loader: libyaml, else pure Python
    return [doc for doc in docs if isinstance(doc, dict) and doc.get("kind")]
