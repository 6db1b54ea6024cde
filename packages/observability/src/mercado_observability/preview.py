"""PNG previews of the dashboards, drawn from a Prometheus's data with matplotlib.

For users without a Grafana at hand: each dashboard becomes one picture with a small chart
per panel, its queries evaluated over the last minutes exactly as written in the committed
dashboard JSON (``$__rate_interval`` becomes ``1m``).
"""

from __future__ import annotations

import json
import math
import re
import time
from pathlib import Path
from typing import Any

import httpx
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from mercado_observability.schema import repo_root

RATE_INTERVAL = "1m"


def dashboard_files() -> list[Path]:
    return sorted((repo_root() / "observability" / "dashboards").glob("*.json"))


def _legend(template: str, labels: dict[str, str], expr: str) -> str:
    if template and template != "__auto":
        return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: labels.get(m.group(1), ""), template)
    return ",".join(f"{k}={v}" for k, v in labels.items() if k != "__name__") or expr[:40]


def query_range(
    prometheus: str, expr: str, start: float, end: float, step: float
) -> list[dict[str, Any]]:
    r = httpx.get(
        f"{prometheus}/api/v1/query_range",
        params={
            "query": expr.replace("$__rate_interval", RATE_INTERVAL),
            "start": start,
            "end": end,
            "step": step,
        },
        timeout=30,
    )
    r.raise_for_status()
    return list(r.json()["data"]["result"])


def render_board(board: dict[str, Any], prometheus: str, out: Path, minutes: float) -> int:
    """Draws one dashboard; returns how many panels had data."""
    panels = [p for p in board["panels"] if p.get("type") != "row"]
    cols = 2
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(14, 3.2 * rows), squeeze=False)
    end = time.time()
    start = end - minutes * 60
    with_data = 0
    for ax, panel in zip(axes.flat, panels, strict=False):
        lines = 0
        for target in panel.get("targets", []):
            for series in query_range(prometheus, target["expr"], start, end, 5):
                xs = [(float(t) - end) / 60 for t, _ in series["values"]]
                ys = [float(v) for _, v in series["values"]]
                label = _legend(target.get("legendFormat", ""), series["metric"], target["expr"])
                ax.plot(xs, ys, label=label[:40])
                lines += 1
        unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit", "")
        ax.set_title(
            panel["title"] + (f"  [{unit}]" if unit and unit != "short" else ""), fontsize=9
        )
        ax.tick_params(labelsize=7)
        ax.set_xlabel("minutes ago", fontsize=7)
        if lines:
            with_data += 1
            ax.legend(fontsize=6, loc="upper left")
        else:
            ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    fig.suptitle(board["title"], fontsize=12)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=80)
    plt.close(fig)
    return with_data


def render_all(prometheus: str, folder: Path, minutes: float = 15) -> list[tuple[Path, int, int]]:
    """Every dashboard as ``folder/<uid>.png``: (path, panels with data, panels)."""
    done = []
    for path in dashboard_files():
        board = json.loads(path.read_text())
        out = folder / f"{board['uid']}.png"
        panels = len([p for p in board["panels"] if p.get("type") != "row"])
        done.append((out, render_board(board, prometheus, out, minutes), panels))
    return done
