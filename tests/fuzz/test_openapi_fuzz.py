"""Every service's OpenAPI, fuzzed with schemathesis against the running local shop (seeded):
its examples, coverage and fuzzing phases, a bounded number of cases per operation. No
request may get a 5xx, a status its OpenAPI does not document, or a body that does not match
the documented schema."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.shop import ADMIN_TOKEN, LocalShop

# Per operation: enough to hit every documented status, few enough for 2 cores.
MAX_EXAMPLES = 15
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "response_schema_conformance",
        "content_type_conformance",
    ]
)


@dataclass(frozen=True)
class Target:
    service: str
    token: str | None  # the caller this run plays
    include_path_regex: str | None = None
    exclude: tuple[str, ...] = ()


TARGETS = [
    Target("catalog", ADMIN_TOKEN),
    Target("inventory", ADMIN_TOKEN, r"^/stock"),
    Target("inventory", "orders-dev-token", r"^/reservations"),
    Target("orders", "gateway-dev-token"),
    Target("orders", ADMIN_TOKEN),
    Target("payment", "orders-dev-token"),
    # The bank's fault switch is excluded: it exists to make the bank fail and stall.
    Target("bank", ADMIN_TOKEN, exclude=("/admin/faults",)),
    Target("notifications", ADMIN_TOKEN),
    Target("gateway", None),
]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalShop]:
    running = LocalShop(tmp_path_factory.mktemp("fuzzed-shop")).start()
    yield running
    running.stop()


def _st() -> str:
    return str(Path(sys.executable).parent / "st")


@pytest.mark.parametrize(
    "target",
    TARGETS,
    ids=[f"{t.service}-{'token' if t.token else 'public'}-{i}" for i, t in enumerate(TARGETS)],
)
def test_openapi_holds_under_fuzzing(shop: LocalShop, target: Target, tmp_path: Path) -> None:
    base = shop.url(target.service)
    report = tmp_path / "report.json"
    args = [
        _st(),
        "run",
        f"{base}/openapi.json",
        "--url",
        base,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--checks",
        CHECKS,
        "--seed",
        "20261130",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    if target.token:
        args += ["--header", f"Authorization: Bearer {target.token}"]
    if target.include_path_regex:
        args += ["--include-path-regex", target.include_path_regex]
    for path in target.exclude:
        args += ["--exclude-path", path]
    started = time.monotonic()
    # In the test's folder: schemathesis keeps a cache of what it found in its cwd.
    run = subprocess.run(args, capture_output=True, text=True, timeout=900, cwd=tmp_path)
    took = time.monotonic() - started
    summary = _summary(report)
    print(f"fuzzed {target.service} as {target.token or 'anyone'}: {summary}, {took:.0f}s")
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-3000:]


def _summary(report: Path) -> str:
    """Operations tested, test cases generated, failures (from schemathesis's JSON report)."""
    if not report.exists():
        return "no report written"
    data = json.loads(report.read_text())
    ops, cases = data["operations"], data["test_cases"]
    failures = ", ".join(f"{f['title']} on {f['operations']}" for f in data["failures"])
    return (
        f"{ops['tested']}/{ops['total']} operations, {cases['generated']} test cases, "
        f"{cases['with_failures']} failing" + (f" ({failures})" if failures else "")
    )
