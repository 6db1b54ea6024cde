"""``python -m tests.mutation``: what ``make mutation`` runs.

For each target (see ``targets``) a staging folder under ``mutation-results/<target>/`` gets
a copy of the package (as ``src/``), of ``tests/`` and of ``pyproject.toml`` with the
target's mutmut settings; ``mutmut run`` mutates the chosen modules there and runs, for each
mutant, only the selected tests that reach the mutated function (mutmut records which tests
call which function, then forks a warmed-up test process per mutant). Then the report:
killed, survived, timed out and untested mutants per module, printed and written to
``mutation-results/report.{md,json}``, with each survivor's diff in
``mutation-results/<target>/survivors.diff``.

Bounded: each target stops after ``--timeout`` seconds (default 1200; what was not checked
by then is counted as such), and mutmut gives each mutant 15 times its tests' normal
duration plus a second before it counts as timed out.

    python -m tests.mutation [--targets inventory,bank] [--workers 2] [--timeout 1200]
    python -m tests.mutation --report-only   # the last run's report again
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from tests.mutation.report import Row, collect, render, survivors, write
from tests.mutation.targets import Target, select
from tests.support.processes import ROOT

RESULTS = ROOT / "mutation-results"
# Set in mutmut's environment and inherited by everything a mutant's tests start: helpers
# started in a session of their own (NATS, the SMTP server) outlive a mutant stopped at its
# time limit, and are found by it afterwards.
RUN_TAG = "MERCADO_MUTATION_RUN"


def _mutmut_settings(target: Target) -> str:
    def toml_list(items: tuple[str, ...] | list[str]) -> str:
        return "[" + ", ".join(f'"{i}"' for i in items) + "]"

    return (
        "\n\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f"only_mutate = {toml_list([f'src/{target.package_name}/{m}' for m in target.modules])}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(target.tests)}\n"
        f"pytest_add_cli_args = {toml_list(_pytest_args(target))}\n"
    )


def _pytest_args(target: Target) -> list[str]:
    plugin = ["-p", "tests.mutation.inprocess"] if target.in_process else []
    return ["-p", "no:cacheprovider", "-q", *plugin]


def stage(target: Target) -> Path:
    """A fresh folder laid out the way mutmut expects (``src/`` and ``tests/``)."""
    folder = RESULTS / target.name
    shutil.rmtree(folder, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / target.package, folder / "src" / target.package_name, ignore=ignore)
    shutil.copytree(ROOT / "tests", folder / "tests", ignore=ignore)
    pyproject = (ROOT / "pyproject.toml").read_text()
    (folder / "pyproject.toml").write_text(pyproject + _mutmut_settings(target))
    return folder


def _tagged(tag: str) -> Iterator[int]:
    """The processes whose environment carries ``RUN_TAG=tag``."""
    marker = f"{RUN_TAG}={tag}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if marker in environ.split(b"\0"):
            yield int(entry.name)


def stop_leftovers(tag: str) -> int:
    """Kills what a run left behind; returns how many processes that was."""
    count = 0
    for pid in _tagged(tag):
        try:
            os.kill(pid, signal.SIGKILL)
            count += 1
        except OSError:
            pass
    return count


def run_target(target: Target, workers: int, timeout: float) -> tuple[float, bool]:
    """Runs mutmut on one target; returns (seconds, whether it finished within the bound)."""
    folder = stage(target)
    mutmut = Path(sys.executable).parent / "mutmut"
    log = folder / "mutmut.log"
    tag = uuid.uuid4().hex
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["nice", "-n", "15", str(mutmut), "run", "--max-children", str(workers)],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, RUN_TAG: tag},
        )
        try:
            proc.wait(timeout=timeout)
            finished = True
        except BaseException as exc:  # the bound, or this run interrupted: stop mutmut too
            if not isinstance(exc, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
                raise
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            finished = False
        finally:
            if left := stop_leftovers(tag):
                print(f"stopped {left} process(es) the {target.name} run left behind")
    seconds = time.monotonic() - started
    (folder / "run.json").write_text(json.dumps({"seconds": seconds, "finished": finished}))
    if finished and proc.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        print(f"mutmut failed on {target.name} (exit {proc.returncode}); {log} ends:\n{tail}")
    return seconds, finished


def last_run(target: Target) -> tuple[float, bool]:
    recorded = RESULTS / target.name / "run.json"
    if not recorded.exists():
        return 0.0, False
    run = json.loads(recorded.read_text())
    return float(run["seconds"]), bool(run["finished"])


def write_survivor_diffs(target: Target, names: list[str]) -> None:
    folder = RESULTS / target.name
    out = folder / "survivors.diff"
    if not names:
        out.write_text("")
        return
    with out.open("w") as handle:
        subprocess.run(
            [sys.executable, "-m", "tests.mutation.diffs", *names],
            cwd=folder,
            stdout=handle,
            check=False,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default="", help="comma-separated; all when empty")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds per target")
    parser.add_argument(
        "--report-only", action="store_true", help="report the last run again, run nothing"
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that mutmut is stopped too

    RESULTS.mkdir(exist_ok=True)
    rows: list[Row] = []
    for target in select(args.targets):
        if args.report_only:
            seconds, finished = last_run(target)
        else:
            print(f"mutating {target.name}: {', '.join(target.modules)}", flush=True)
            seconds, finished = run_target(target, args.workers, args.timeout)
        target_rows = collect(target, RESULTS / target.name, seconds, finished)
        rows.extend(target_rows)
        write_survivor_diffs(target, survivors(RESULTS / target.name))
        print(render(target_rows), flush=True)
    table = render(rows)
    write(RESULTS, rows, table)
    print("\n" + table)
    print(f"\nreport: {RESULTS / 'report.md'}; survivors: {RESULTS}/<target>/survivors.diff")
    return 0


if __name__ == "__main__":
    sys.exit(main())
