"""P5 footprint: ``mercado up`` to ready (every process healthy and the demo seeded), then
resident (RSS) and proportional (PSS) memory of each process, idle and under read load."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from mercado_cli.services import SERVICES
from tests.bench.stats import cmdline, cpu_seconds, descendants, memory_mib
from tests.bench.wrk import run_wrk
from tests.support.processes import free_port


def _name(pid: int) -> str | None:
    args = cmdline(pid)
    for i, arg in enumerate(args):
        if arg == "-m" and i + 1 < len(args):
            return args[i + 1].removeprefix("mercado_")
    if args and args[0].endswith("nats-server"):
        return "nats"
    return None


def _memory(root: int) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = {}
    for pid in descendants(root):
        name = _name(pid)
        if name is None:
            continue
        try:
            rss, pss = memory_mib(pid)
        except OSError:
            continue
        entry = found.setdefault(name, {"rss_mib": 0.0, "pss_mib": 0.0})
        entry["rss_mib"] += rss
        entry["pss_mib"] += pss
    return found


def image_sizes() -> dict[str, float] | None:
    """Sizes of the ``mercado/*`` images in MB, when a docker daemon answers."""
    docker = shutil.which("docker")
    if not docker:
        return None
    done = subprocess.run(
        [docker, "image", "ls", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}", "mercado/*"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    if done.returncode != 0:
        return None
    sizes = {}
    for line in done.stdout.splitlines():
        name, size = line.split()
        number, unit = re.fullmatch(r"([\d.]+)([kMG]?B)", size).groups()  # type: ignore[union-attr]
        sizes[name] = float(number) * {"kB": 0.001, "B": 1e-6, "MB": 1.0, "GB": 1000.0}[unit]
    return sizes or None


def _up(root: Path, ports: dict[str, int]) -> tuple[subprocess.Popen[bytes], float]:
    """Starts ``mercado up``; returns it and the seconds until it said it is up."""
    log_path = root / "up.log"
    started = time.monotonic()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mercado_cli.main",
                "up",
                "--data-dir",
                str(root / "data"),
                *(f"--port={n}={p}" for n, p in ports.items()),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "200"},
        )
    while b"Mercado is up" not in log_path.read_bytes():
        if proc.poll() is not None or time.monotonic() - started > 300:
            _stop(proc)
            raise RuntimeError("mercado up failed:\n" + log_path.read_text()[-3000:])
        time.sleep(0.05)
    return proc, time.monotonic() - started


def _steps(log: str) -> dict[str, float]:
    """Seconds each process took to answer, as ``mercado up`` printed them."""
    return {
        name: float(seconds)
        for name, seconds in re.findall(r"ready (\S+) on port \d+ \(([\d.]+)s\)", log)
    }


def _cpu(root: int) -> dict[str, float]:
    """CPU seconds each process of the shop has used so far."""
    found: dict[str, float] = {}
    for pid in descendants(root):
        name = _name(pid)
        if name is not None:
            try:
                found[name] = found.get(name, 0.0) + cpu_seconds(pid)
            except OSError:
                continue
    return found


def import_cpu() -> dict[str, float]:
    """CPU seconds to import each service's application (one at a time, nothing else)."""
    found = {}
    for spec in SERVICES:
        module = f"mercado_{spec.name}"
        before = os.times()
        done = subprocess.run([sys.executable, "-c", f"import {module}.app"], capture_output=True)
        after = os.times()
        if done.returncode == 0:
            found[spec.name] = (after.children_user + after.children_system) - (
                before.children_user + before.children_system
            )
    return found


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def run_footprint(root: Path, seconds: float) -> dict[str, Any]:
    """A first start (new databases: migrations and the demo seed), memory idle and under
    read load, then a restart on the same data."""
    ports = {p.name: free_port() for p in SERVICES}
    root.mkdir(parents=True, exist_ok=True)
    proc, up = _up(root, ports)
    try:
        steps = _steps((root / "up.log").read_text())
        startup_cpu = _cpu(proc.pid)
        time.sleep(3)
        idle = _memory(proc.pid)
        loaded: dict[str, dict[str, float]] = {}

        def sample() -> None:
            time.sleep(seconds / 2)
            loaded.update(_memory(proc.pid))

        sampler = threading.Thread(target=sample)
        sampler.start()
        gateway = f"http://127.0.0.1:{ports['gateway']}/api/products?limit=20"
        run_wrk(gateway, 16, seconds, None)
        sampler.join()
    finally:
        _stop(proc)
    proc, again = _up(root, ports)
    _stop(proc)
    print(f"  P5 mercado up ready in {up:.1f} s (first start), {again:.1f} s (restart)", flush=True)
    imports = import_cpu()
    print(f"  P5 import CPU s per service: {imports}", flush=True)
    return {
        "up_seconds": up,
        "ready_after_s": steps,
        "startup_cpu_s": startup_cpu,
        "import_cpu_s": imports,
        "restart_seconds": again,
        "idle": idle,
        "load": loaded,
        "images_mb": image_sizes(),
    }
