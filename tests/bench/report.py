"""The bench report: machine and versions, every figure and ratio, targets met or missed;
written as Markdown and JSON."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from tests.bench.wrk import wrk_version

PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "pydantic",
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "aiohttp",
    "uvloop",
    "httptools",
)


def machine() -> dict[str, Any]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    try:
        pg = subprocess.run(
            ["bash", "-c", "/usr/lib/postgresql/*/bin/postgres --version"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        pg = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "load_average_at_start": os.getloadavg(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "packages": versions,
        "postgresql": pg or None,
        "wrk": wrk_version(),
    }


def _f(value: float | None, digits: int = 0) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _median_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """One row of medians from the rounds of one server (the first round's other fields)."""
    out = dict(rows[0])
    for key in ("rps", "p50_ms", "p99_ms", "cpu_ms_per_request"):
        out[key] = _median([r[key] for r in rows if r.get(key) is not None])
    out["rounds"] = len(rows)
    return out


def medians(reads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reads rows with each server's rounds folded into their medians."""
    groups: dict[tuple[str, str, str, int], list[dict[str, Any]]] = {}
    for r in reads:
        groups.setdefault((r["database"], r["page"], r["server"], r["connections"]), []).append(r)
    return [_median_row(rows) for rows in groups.values()]


def ratios(reads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """catalog ÷ bare, uncached ÷ bare and gateway ÷ catalog (requests/s) per database, page
    and connections: the median over rounds of the ratio of runs made side by side."""
    groups: dict[tuple[str, str, str, int], list[dict[str, Any]]] = {}
    for r in reads:
        groups.setdefault((r["database"], r["page"], r["server"], r["connections"]), []).append(r)

    def ratio(a: list[dict[str, Any]], b: list[dict[str, Any]], key: str) -> float | None:
        pairs = [_ratio(x[key], y[key]) for x, y in zip(a, b, strict=False)]
        return _median([p for p in pairs if p is not None])

    out = []
    for (database, page, server, connections), rows in groups.items():
        if server != "catalog":
            continue
        other = {
            s: groups.get((database, page, s, connections), [])
            for s in ("bare", "gateway", "uncached")
        }

        out.append(
            {
                "database": database,
                "page": page,
                "connections": connections,
                "rounds": len(rows),
                "catalog_rps": _median([r["rps"] for r in rows]),
                "bare_rps": _median([r["rps"] for r in other["bare"]]),
                "gateway_rps": _median([r["rps"] for r in other["gateway"]]),
                "uncached_rps": _median([r["rps"] for r in other["uncached"]]),
                "uncached_over_bare": ratio(other["uncached"], other["bare"], "rps"),
                "catalog_over_bare": ratio(rows, other["bare"], "rps"),
                "gateway_over_catalog": ratio(other["gateway"], rows, "rps"),
                "catalog_cpu_over_bare": ratio(rows, other["bare"], "cpu_ms_per_request"),
            }
        )
    return out


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for r in report.get("ratios", []):
        if r["page"] == "list" and r["connections"] == 16 and r["catalog_over_bare"] is not None:
            value = r["catalog_over_bare"]
            found.append(
                {
                    "target": f"P1 catalog list / bare >= 0.7 (floor 0.5), {r['database']}, c=16",
                    "value": f"{value:.2f}",
                    "met": "met" if value >= 0.7 else ("floor only" if value >= 0.5 else "missed"),
                }
            )
    checkout = report.get("checkout")
    if checkout:
        micro, mono = checkout["microservices"], checkout["monolith"]
        for key, limit in (("p50_ms", 2.0), ("p99_ms", 3.0)):
            value = _ratio(micro[key], mono[key])
            found.append(
                {
                    "target": f"P2 checkout {key[:3]} <= {limit} x monolith",
                    "value": _f(value, 2),
                    "met": "n/a" if value is None else ("met" if value <= limit else "missed"),
                }
            )
    footprint = report.get("footprint")
    if footprint:
        up = footprint["up_seconds"]
        found.append(
            {
                "target": "P5 mercado up ready <= 5 s (no more than 10 s), first start",
                "value": f"{up:.1f} s",
                "met": "met" if up <= 5 else ("limit only" if up <= 10 else "missed"),
            }
        )
    return found


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"# Mercado bench, {report['started']}",
        "",
        f"{m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, Linux {m['kernel']}, "
        f"Python {m['python']}; load average at start "
        + ", ".join(f"{x:.1f}" for x in m["load_average_at_start"])
        + (
            "; at end " + ", ".join(f"{x:.1f}" for x in report["load_average_at_end"])
            if report.get("load_average_at_end")
            else ""
        )
        + ".",
        "Versions: "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
        + f"; {m['postgresql']}; {m['wrk']}.",
        "",
        "Load tools: `wrk` (reads: a C client that outruns the servers), asyncio + aiohttp "
        "open-loop generator (checkouts, timed from the services' stored timestamps).",
        "",
    ]
    if report.get("ratios"):
        lines += [
            "## P1 reads (requests/s; CPU per request is the server process's)",
            "",
            "Each figure is the median of its rounds; each ratio is the median of the ratios "
            "of runs made side by side in one round.",
            "",
            "| database | page | conns | catalog req/s | bare req/s | catalog ÷ bare "
            "| uncached req/s | uncached ÷ bare | gateway req/s | gateway ÷ catalog "
            "| catalog p50 / p99 ms | CPU ms/req catalog / uncached / bare "
            "| catalog CPU ÷ bare CPU |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        index = {
            (r["database"], r["page"], r["server"], r["connections"]): r
            for r in medians(report["reads"])
        }
        for r in report["ratios"]:
            key = (r["database"], r["page"])
            c = index[(*key, "catalog", r["connections"])]
            cpu = " / ".join(
                _f((index.get((*key, s, r["connections"])) or {}).get("cpu_ms_per_request"), 2)
                for s in ("catalog", "uncached", "bare")
            )
            lines.append(
                f"| {r['database']} | {r['page']} | {r['connections']} | {_f(r['catalog_rps'])}"
                f" | {_f(r['bare_rps'])} | {_f(r['catalog_over_bare'], 2)}"
                f" | {_f(r['uncached_rps'])} | {_f(r['uncached_over_bare'], 2)}"
                f" | {_f(r['gateway_rps'])} | {_f(r['gateway_over_catalog'], 2)}"
                f" | {_f(c['p50_ms'], 1)} / {_f(c['p99_ms'], 1)} | {cpu}"
                f" | {_f(r.get('catalog_cpu_over_bare'), 2)} |"
            )
        lines.append("")
    checkout = report.get("checkout")
    if checkout:
        micro, mono = checkout["microservices"], checkout["monolith"]
        lines += [
            f"## P2 checkout (POST → CONFIRMED, offered {micro['offered_per_s']}/s, "
            f"{micro['orders']} orders)",
            "",
            "| | microservices | monolith | ratio |",
            "|---|---:|---:|---:|",
        ]
        for key, label in (
            ("p50_ms", "p50 ms"),
            ("p99_ms", "p99 ms"),
            ("checkouts_per_s", "checkouts/s"),
            ("post_p50_ms", "POST p50 ms (client)"),
        ):
            lines.append(
                f"| {label} | {_f(micro[key], 1)} | {_f(mono[key], 1)} |"
                f" {_f(_ratio(micro[key], mono[key]), 2)} |"
            )
        lines.append(
            f"| confirmed | {micro['confirmed']}/{micro['orders']} |"
            f" {mono['confirmed']}/{mono['orders']} | |"
        )
        for hop, value in micro["hops_p50_ms"].items():
            other = mono["hops_p50_ms"].get(hop)
            ratio = _f(_ratio(value, other), 2)
            lines.append(f"| {hop} (p50 ms) | {_f(value, 1)} | {_f(other, 1)} | {ratio} |")
        lines.append("")
    footprint = report.get("footprint")
    if footprint:
        lines += [
            f"## P5 footprint (`mercado up` ready in {footprint['up_seconds']:.1f} s on a first"
            f" start, {footprint.get('restart_seconds', 0):.1f} s on a restart)",
            "",
            "| process | ready after s | CPU s at ready | import CPU s (alone) "
            "| RSS idle MiB | PSS idle MiB | RSS load MiB | PSS load MiB |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        idle, load = footprint["idle"], footprint["load"]
        steps = footprint.get("ready_after_s", {})
        cpu = footprint.get("startup_cpu_s", {})
        imports = footprint.get("import_cpu_s", {})
        for name in sorted(idle):
            i, ld = idle[name], load.get(name, {})
            lines.append(
                f"| {name} | {_f(steps.get(name), 1)} | {_f(cpu.get(name), 1)}"
                f" | {_f(imports.get(name), 1)} | {_f(i['rss_mib'])} | {_f(i['pss_mib'])} |"
                f" {_f(ld.get('rss_mib'))} | {_f(ld.get('pss_mib'))} |"
            )
        total_i = sum(v["pss_mib"] for v in idle.values())
        total_l = sum(v["pss_mib"] for v in load.values())
        lines.append(
            f"| **all** | | {_f(sum(cpu.values()), 1)} | {_f(sum(imports.values()), 1)} |"
            f" | {_f(total_i)} | | {_f(total_l)} |"
        )
        images = footprint.get("images_mb")
        lines += [
            "",
            "Images: "
            + (
                ", ".join(f"{k} {v:.0f} MB" for k, v in sorted(images.items()))
                if images
                else "none built on this machine (no `mercado/*` image found)"
            ),
            "",
        ]
    lines += ["## P3/P4 operator", "", *_operator_lines(report.get("operator")), ""]
    lines += [
        "## Targets",
        "",
        "| target | value | |",
        "|---|---:|---|",
    ]
    for t in report["targets"]:
        lines.append(f"| {t['target']} | {t['value']} | {t['met']} |")
    return "\n".join(lines) + "\n"


def _operator_lines(op: dict[str, Any] | None) -> list[str]:
    if not op:
        return ["Not measured in this run (`--only operator` runs it on the test cluster)."]
    return [
        "`helm install --wait` is not the comparison: it also waits for the NATS and "
        "PostgreSQL StatefulSets, whose volume claims no provisioner binds on the test "
        "cluster; the operator's Ready, like the helm row, is every service Deployment "
        "available.",
        "",
        "| figure | value |",
        "|---|---:|",
        f"| Shop apply → every child Deployment created | {op['apply_to_children_s']:.1f} s |",
        f"| Shop apply → Ready | {op['apply_to_ready_s']:.1f} s |",
        f"| `helm install` of the same chart and values (returns) | {op['helm_install_s']:.1f} s"
        f" (exit {op['helm_exit']}{': ' + op['helm_error'] if op.get('helm_error') else ''}) |",
        f"| `helm install` → every Deployment available (the operator's Ready) |"
        f" {_f(op.get('helm_available_s'), 1)} s |",
        f"| {op['idle_shops']} Shops created → all Ready | {op['create_idle_s']:.0f} s |",
        f"| operator API writes with {op['idle_shops']} idle Shops over "
        f"{op['idle_seconds']:.0f} s | {op['idle_writes']} |",
        f"| operator RSS with {op['idle_shops']} Shops | {op['rss_mib_idle_shops']:.0f} MiB |",
        f"| operator RSS with {op['shops']} Shops | {op['rss_mib_shops']:.0f} MiB |",
        "",
        "Writes while idle: " + (", ".join(op["idle_write_kinds"]) or "none") + ".",
    ]


def write(report: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report, indent=2, default=str))
    text = markdown(report)
    (folder / "report.md").write_text(text)
    (folder.parent / "latest.md").write_text(text)
    return folder / "report.md"
