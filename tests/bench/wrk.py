"""Read load with ``wrk`` (Debian's package): a C load generator that keeps up with far more
requests per second than the services serve, so the figures are the server's, not the
client's. ``make bench`` installs it when it is missing."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

from tests.bench.stats import cpu_seconds


@dataclass
class ReadResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_ms_per_request: float | None


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if not found:
        raise RuntimeError("wrk is not installed (Debian package wrk; make bench installs it)")
    return found


def run_wrk(url: str, connections: int, seconds: float, server_pid: int | None) -> ReadResult:
    """Runs wrk with one thread for ``seconds``; CPU per request is the server's."""
    cpu_before = cpu_seconds(server_pid) if server_pid else 0.0
    out = subprocess.run(
        [
            wrk_binary(),
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    cpu = cpu_seconds(server_pid) - cpu_before if server_pid else None
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+),", out)
    if total is None:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    requests = int(total.group(1))
    took = _ms(total.group(2) + total.group(3)) / 1000
    latency = dict(
        re.findall(r"^\s*(\d+)(?:\.0+)?%\s+([\d.]+(?:us|ms|s|m))\s*$", out, re.MULTILINE)
    )
    if "50" not in latency or "99" not in latency:
        raise RuntimeError(f"no latency distribution in wrk's output:\n{out}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(
        int(n) for n in re.findall(r"Socket errors: connect (\d+), read \d+, write \d+, ", out)
    )
    return ReadResult(
        requests=requests,
        seconds=took,
        rps=requests / took if took else 0.0,
        p50_ms=_ms(latency["50"]),
        p99_ms=_ms(latency["99"]),
        errors=errors,
        cpu_ms_per_request=(cpu * 1000 / requests) if cpu is not None and requests else None,
    )


def wrk_version() -> str:
    done = subprocess.run([wrk_binary(), "-v"], capture_output=True, text=True)
    out = done.stdout + done.stderr
    return out.splitlines()[0] if out else "wrk"
