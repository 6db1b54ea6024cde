"""A local Prometheus for the shop: its configuration and its process.

The scrape configuration labels each target the way a Prometheus Operator ServiceMonitor
does (``job``, ``service``, ``namespace``, ``pod``, ``container``, ``endpoint``), so what works
here works on Kubernetes: a metric label named like one of them would be renamed
``exported_<label>``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from mercado_observability.schema import repo_root

NAMESPACE = "local"


def rules_file() -> Path:
    return repo_root() / "observability" / "rules" / "mercado.rules.yaml"


def scrape_config(
    targets: dict[str, int], interval: str = "5s", rules: Path | None = None
) -> dict[str, Any]:
    """``targets``: service name -> port on 127.0.0.1, each serving ``/metrics``;
    ``rules``: the rules file to load (the generated one by default)."""
    relabel = [
        {"source_labels": ["__mercado_service"], "target_label": label}
        for label in ("job", "service", "container")
    ] + [
        {
            "source_labels": ["__mercado_service"],
            "target_label": "pod",
            "replacement": "${1}-0",
        },
        {"target_label": "namespace", "replacement": NAMESPACE},
        {"target_label": "endpoint", "replacement": "http"},
    ]
    return {
        "global": {"scrape_interval": interval, "evaluation_interval": interval},
        "rule_files": [str(rules or rules_file())],
        "scrape_configs": [
            {
                "job_name": "mercado",
                "metrics_path": "/metrics",
                "static_configs": [
                    {"targets": [f"127.0.0.1:{port}"], "labels": {"__mercado_service": name}}
                    for name, port in targets.items()
                ],
                "relabel_configs": relabel,
            }
        ],
    }


def prometheus_binary() -> str:
    found = shutil.which("prometheus") or shutil.which("prometheus", path="/usr/bin")
    if found is None:
        raise FileNotFoundError(
            "prometheus not found: install Debian's prometheus package (make system-deps)"
        )
    return found


class Prometheus:
    """``prometheus`` on 127.0.0.1 with its data under ``folder``."""

    def __init__(
        self,
        folder: Path,
        port: int,
        targets: dict[str, int],
        interval: str,
        rules: Path | None = None,
    ) -> None:
        self.folder = folder
        self.port = port
        self.config = folder / "prometheus.yml"
        self.log_path = folder / "prometheus.log"
        folder.mkdir(parents=True, exist_ok=True)
        self.config.write_text(
            yaml.safe_dump(scrape_config(targets, interval, rules), sort_keys=False)
        )
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            prometheus_binary(),
            f"--config.file={self.config}",
            f"--storage.tsdb.path={self.folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--web.enable-lifecycle",
        ]

    def start(self, timeout: float = 60) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"prometheus exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"prometheus not ready after {timeout}s")

    def targets_up(self, timeout: float = 60) -> tuple[int, int]:
        """Waits until every target has been scraped once (service discovery hands targets
        over after a few seconds); returns (targets up, targets)."""
        deadline = time.monotonic() + timeout
        up, total = 0, 0
        while time.monotonic() < deadline:
            try:
                url = f"{self.url}/api/v1/targets?state=active"
                with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310
                    active = json.loads(resp.read())["data"]["activeTargets"]
            except OSError:
                active = []
            up = sum(1 for t in active if t["health"] == "up")
            total = len(active)
            if total and up == total:
                break
            time.sleep(0.5)
        return up, total

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
