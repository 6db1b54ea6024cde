"""The mutation report: mutmut's verdict for every mutant, counted per module."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from tests.mutation.targets import Target

# mutmut's exit codes (mutmut.stats.status_by_exit_code) folded into the report's columns.
KILLED = {1, 3}
TYPE_CHECK = {37}  # rejected by mypy before any test ran: it would never pass `make lint`
SURVIVED = {0}
TIMEOUT = {36, -24, 24, 152, 255}
NO_TESTS = {5, 33}
NOT_CHECKED = {None, 2}


@dataclass
class Row:
    target: str
    module: str
    killed: int = 0
    mypy: int = 0
    survived: int = 0
    timeout: int = 0
    no_tests: int = 0
    not_checked: int = 0
    other: int = 0  # suspicious, segfault, skipped
    seconds: float = 0.0  # the last run
    finished: bool = True
    runs: int = 1
    total_seconds: float = 0.0  # every run since the target started over

    @property
    def total(self) -> int:
        return (
            self.killed
            + self.mypy
            + self.survived
            + self.timeout
            + self.no_tests
            + self.not_checked
            + self.other
        )

    @property
    def checked(self) -> int:
        return self.total - self.not_checked

    @property
    def checked_score(self) -> float:
        """Killed over the mutants checked (all of them when the run was not cut short)."""
        return 100.0 * self.caught / self.checked if self.checked else 100.0

    @property
    def caught(self) -> int:
        """Killed by a test, rejected by mypy, or timed out (the mutant hung the tests)."""
        return self.killed + self.mypy + self.timeout

    @property
    def score(self) -> float:
        """Caught over every mutant."""
        return 100.0 * self.caught / self.total if self.total else 100.0

    def add(self, code: int | None) -> None:
        if code in KILLED:
            self.killed += 1
        elif code in TYPE_CHECK:
            self.mypy += 1
        elif code in SURVIVED:
            self.survived += 1
        elif code in TIMEOUT:
            self.timeout += 1
        elif code in NO_TESTS:
            self.no_tests += 1
        elif code in NOT_CHECKED:
            self.not_checked += 1
        else:
            self.other += 1


# Survivors of an earlier run whose verdicts a resumed run cleared to judge them again
# (name -> the verdict they had); until judged, they count as that verdict.
PENDING = "mutants/judge-again.json"


def pending_survivors(folder: Path) -> dict[str, int]:
    path = folder / PENDING
    return {k: int(v) for k, v in json.loads(path.read_text()).items()} if path.exists() else {}


def _metas(folder: Path) -> list[tuple[str, dict[str, int | None]]]:
    found = []
    pending = pending_survivors(folder)
    for meta in sorted((folder / "mutants" / "src").rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        if codes:
            rel = meta.relative_to(folder / "mutants" / "src").with_suffix("").with_suffix("")
            last = {k: pending.get(k, v) if v is None else v for k, v in codes.items()}
            found.append((".".join(rel.parts), last))
    return found


def collect(target: Target, folder: Path) -> list[Row]:
    """One row per mutated module and a total row for the target."""
    recorded = folder / "run.json"
    run = json.loads(recorded.read_text()) if recorded.exists() else {}
    finished = bool(run.get("finished", False))
    rows = []
    total = Row(
        target.name,
        "(all)",
        seconds=round(float(run.get("seconds", 0.0)), 1),
        finished=finished,
        runs=int(run.get("runs", 1)),
        total_seconds=round(float(run.get("total_seconds", run.get("seconds", 0.0))), 1),
    )
    for module, codes in _metas(folder):
        row = Row(target.name, module, finished=finished)
        for code in codes.values():
            row.add(code)
            total.add(code)
        rows.append(row)
    return [*rows, total]


def survivors(folder: Path) -> list[str]:
    return [
        name
        for _, codes in _metas(folder)
        for name, code in codes.items()
        if code in SURVIVED or code in NO_TESTS
    ]


def render(rows: list[Row]) -> str:
    head = (
        "| module | killed | mypy | survived | timeout | no tests | not checked | other "
        "| score | score of checked |"
    )
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        name = f"**{r.target} (all)**" if r.module == "(all)" else r.module
        note = "" if r.finished else " (stopped at the time bound)"
        checked = f"{r.checked_score:.1f} %" if r.checked else "-"
        lines.append(
            f"| {name}{note} | {r.killed} | {r.mypy} | {r.survived} | {r.timeout} | {r.no_tests} "
            f"| {r.not_checked} | {r.other} | {r.score:.1f} % | {checked} |"
        )
    return "\n".join(lines)


def write(results: Path, rows: list[Row], table: str) -> None:
    durations = "\n".join(
        f"- {r.target}: {r.seconds:.0f} s in the last run"
        f"{'' if r.finished else ' (stopped at the bound)'}; {r.runs} run(s), "
        f"{r.total_seconds:.0f} s in all"
        for r in rows
        if r.module == "(all)"
    )
    (results / "report.md").write_text(
        "# Mutation report\n\nScore: caught (killed by a test, rejected by mypy, or timed out) "
        "over all mutants; score of checked: the same over the mutants checked so far.\n\n"
        f"{table}\n\nDuration per target:\n\n{durations}\n"
    )
    data = [
        asdict(r)
        | {
            "total": r.total,
            "score": round(r.score, 1),
            "score_of_checked": round(r.checked_score, 1),
        }
        for r in rows
    ]
    (results / "report.json").write_text(json.dumps(data, indent=2) + "\n")
