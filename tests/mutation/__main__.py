"""``python -m tests.mutation``: what ``make mutation`` runs.

For each target (see ``targets``) a staging folder under ``mutation-results/<target>/`` gets
a copy of the package (as ``src/``), of ``tests/`` and of ``pyproject.toml`` with the
target's mutmut settings; ``mutmut run`` mutates the chosen modules there and runs, for each
mutant, only the selected tests that reach the mutated function (mutmut records which tests
call which function, then forks a warmed-up test process per mutant). Then the report:
killed, survived, timed out and untested mutants per module, printed and written to
``mutation-results/report.{md,json}``, with each survivor's diff in
``mutation-results/<target>/survivors.diff``.

Before any test runs, mypy (strict, as ``make lint`` runs it) checks the mutated package:
a mutant it rejects would never pass CI and is counted as caught by mypy. The tests of a
mutant run cheapest first (``fastfirst``) and stop at the first failure.

Bounded: each target stops after ``--timeout`` seconds (default 1200; what was not checked
by then is counted as such), and mutmut gives each mutant 15 times its tests' normal
duration plus a second of CPU time before it counts as timed out.

Resumable: a run keeps each target's ``mutants/`` folder, so the next run goes on with the
mutants not checked yet, and judges the survivors again against the current tests, mapped
afresh (a killed mutant stays killed: tests are only ever added to or made stricter). A
function whose code changed is mutated and judged anew; a change to a target's test
selection starts it over, as does ``--fresh``.

    python -m tests.mutation [--targets inventory,bank] [--workers 3] [--timeout 1200] [--fresh]
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
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path

from tests.mutation.report import (
    NO_TESTS,
    PENDING,
    SURVIVED,
    Row,
    collect,
    pending_survivors,
    render,
    survivors,
    write,
)
from tests.mutation.targets import Target, select
from tests.support.processes import ROOT

RESULTS = ROOT / "mutation-results"
# Set in mutmut's environment and inherited by everything a mutant's tests start: helpers
# started in a session of their own (NATS, the SMTP server) outlive a mutant stopped at its
# time limit, and are found by it afterwards.
RUN_TAG = "MERCADO_MUTATION_RUN"


def _mutmut_settings(target: Target) -> str:
    def toml_list(items: tuple[str, ...] | list[str]) -> str:
        return "[" + ", ".join(json.dumps(i) for i in items) + "]"

    # "mypy" must be an item of its own: that is how mutmut knows to read mypy's JSON.
    mypy = [sys.executable, "-m", "mypy", "--output", "json", "--no-warn-unused-ignores"]
    return (
        "\n\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f"only_mutate = {toml_list([f'src/{target.package_name}/{m}' for m in target.modules])}\n"
        f"pytest_add_cli_args_test_selection = {toml_list(target.tests)}\n"
        f"pytest_add_cli_args = {toml_list(_pytest_args(target))}\n"
        f"type_check_command = {toml_list([*mypy, f'src/{target.package_name}'])}\n"
    )


def _mypy_path(target: Target) -> str:
    """mypy's search path for a mutation run: the mutated copy of the target's package
    (``src``, relative to the ``mutants`` folder mypy runs in), then every other package of
    the workspace from the repository, as ``make lint`` finds them."""
    configured = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["mypy_path"]
    own = target.package.rsplit("/", 1)[0]
    return os.pathsep.join(["src", *(str(ROOT / p) for p in configured if p != own)])


def _pytest_args(target: Target) -> list[str]:
    plugins = ["-p", "tests.mutation.fastfirst"]
    if target.in_process:
        plugins += ["-p", "tests.mutation.inprocess"]
    return ["-p", "no:cacheprovider", "-q", *plugins]


def stage(target: Target, fresh: bool) -> Path:
    """The target's folder laid out the way mutmut expects (``src/`` and ``tests/``, copied
    anew), keeping mutmut's ``mutants/`` folder of an earlier run unless ``fresh``."""
    folder = RESULTS / target.name
    if fresh:
        shutil.rmtree(folder, ignore_errors=True)
    for copied in ("src", "tests"):
        shutil.rmtree(folder / copied, ignore_errors=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / target.package, folder / "src" / target.package_name, ignore=ignore)
    shutil.copytree(ROOT / "tests", folder / "tests", ignore=ignore)
    pyproject = (ROOT / "pyproject.toml").read_text()
    (folder / "pyproject.toml").write_text(pyproject + _mutmut_settings(target))
    return folder


def judge_survivors_again(folder: Path) -> int:
    """Clears the verdict of every survivor (and untested mutant) of an earlier run, so that
    mutmut judges them against the current tests; returns how many. mutmut's map of which
    test reaches which function is dropped too and measured again: it only maps tests whose
    names are new, and a test changed in place may now reach (and kill) more."""
    (folder / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    earlier = pending_survivors(folder)
    pending: dict[str, int] = {}
    for meta in (folder / "mutants").rglob("*.py.meta"):
        data = json.loads(meta.read_text())
        codes = data["exit_code_by_key"]
        # Still waiting to be judged again since an interrupted run.
        waiting = [n for n, code in codes.items() if code is None and n in earlier]
        pending.update({n: earlier[n] for n in waiting})
        again = {name: code for name, code in codes.items() if code in SURVIVED | NO_TESTS}
        for name in again:
            codes[name] = None
        if again:
            meta.write_text(json.dumps(data, indent=4))
            pending.update(again)
    # Until judged again, the report keeps counting them as they were last judged.
    (folder / PENDING).write_text(json.dumps(pending, indent=1))
    return len(pending)


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


def run_target(target: Target, workers: int, timeout: float, fresh: bool) -> None:
    """Runs mutmut on one target, for at most ``timeout`` seconds."""
    folder = stage(target, fresh)
    if again := judge_survivors_again(folder):
        print(f"{target.name}: {again} survivor(s) of the last run to judge again", flush=True)
    recorded = folder / "run.json"
    earlier = json.loads(recorded.read_text()) if recorded.exists() else {}
    mutmut = Path(sys.executable).parent / "mutmut"
    log = folder / "mutmut.log"
    tag = uuid.uuid4().hex
    started = time.monotonic()
    finished = False
    try:
        with log.open("w") as out:
            proc = subprocess.Popen(
                ["nice", "-n", "15", str(mutmut), "run", "--max-children", str(workers)],
                cwd=folder,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, RUN_TAG: tag, "MYPYPATH": _mypy_path(target)},
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
            finally:
                if left := stop_leftovers(tag):
                    print(f"stopped {left} process(es) the {target.name} run left behind")
    finally:  # recorded even for an interrupted run: its verdicts are kept
        seconds = time.monotonic() - started
        run = {
            "seconds": seconds,
            "finished": finished,
            "runs": int(earlier.get("runs", 0)) + 1,
            "total_seconds": float(earlier.get("total_seconds", 0.0)) + seconds,
        }
        (folder / "run.json").write_text(json.dumps(run))
    if finished and proc.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        print(f"mutmut failed on {target.name} (exit {proc.returncode}); {log} ends:\n{tail}")


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
    parser.add_argument("--workers", type=int, default=3, help="mutants tested at once")
    parser.add_argument(
        "--fresh", action="store_true", help="forget earlier runs' verdicts and start over"
    )
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds per target")
    parser.add_argument(
        "--report-only", action="store_true", help="report the last run again, run nothing"
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that mutmut is stopped too

    RESULTS.mkdir(exist_ok=True)
    rows: list[Row] = []
    for target in select(args.targets):
        if not args.report_only:
            print(f"mutating {target.name}: {', '.join(target.modules)}", flush=True)
            run_target(target, args.workers, args.timeout, args.fresh)
        target_rows = collect(target, RESULTS / target.name)
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
