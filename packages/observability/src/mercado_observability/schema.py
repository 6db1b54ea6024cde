"""The telemetry schema (``observability/schema/telemetry.yaml``) as typed objects."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

# Suffixes Prometheus adds to a histogram's series.
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
_NAME = re.compile(r"\b(?:[a-z_]+:)?mercado[a-z0-9_:]*\b")


def repo_root() -> Path:
    """The repository this package is installed from (it reads the schema and writes the
    generated dashboards and rules there)."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "observability" / "schema" / "telemetry.yaml").is_file():
            return parent
    raise FileNotFoundError("observability/schema/telemetry.yaml not found above this package")


@dataclass(frozen=True)
class Label:
    name: str
    meaning: str
    values: tuple[str, ...] | None
    bound: str | None


@dataclass(frozen=True)
class Metric:
    name: str
    type: str
    unit: str
    help: str
    labels: tuple[str, ...]
    values: dict[str, tuple[str, ...]]  # allowed values of a label for this metric only
    emitted_by: str

    @property
    def outcomes(self) -> tuple[str, ...] | None:
        return self.values.get("outcome")

    def series_names(self) -> tuple[str, ...]:
        if self.type == "histogram":
            return tuple(self.name + s for s in HISTOGRAM_SUFFIXES)
        return (self.name,)


@dataclass(frozen=True)
class Schema:
    reserved_target_labels: tuple[str, ...]
    labels: dict[str, Label]
    metrics: dict[str, Metric]
    recording_rules: dict[str, tuple[str, ...]]
    span_attributes: dict[str, dict[str, Any]]
    spans: tuple[dict[str, Any], ...]

    def series_names(self) -> set[str]:
        """Every series name a query may use: metrics, histogram series, recording rules."""
        names = {s for m in self.metrics.values() for s in m.series_names()}
        return names | set(self.recording_rules)

    def undeclared(self, promql: str) -> set[str]:
        """Names in a PromQL expression that look like Mercado's and are not declared."""
        return {n for n in _NAME.findall(promql) if n not in self.series_names()}


def parse(data: dict[str, Any]) -> Schema:
    labels = {
        name: Label(
            name,
            spec["meaning"],
            tuple(str(v) for v in spec["values"]) if "values" in spec else None,
            spec.get("bound"),
        )
        for name, spec in data["labels"].items()
    }
    metrics = {
        m["name"]: Metric(
            m["name"],
            m["type"],
            m["unit"],
            m["help"],
            tuple(m["labels"]),
            {k: tuple(str(x) for x in v) for k, v in m.get("values", {}).items()},
            m.get("emitted_by", "services"),
        )
        for m in data["metrics"]
    }
    return Schema(
        tuple(data["reserved_target_labels"]),
        labels,
        metrics,
        {r["name"]: tuple(r["labels"]) for r in data["recording_rules"]},
        dict(data["span_attributes"]),
        tuple(data["spans"]),
    )


@cache
def load(path: Path | None = None) -> Schema:
    path = path or repo_root() / "observability" / "schema" / "telemetry.yaml"
    return parse(yaml.safe_load(path.read_text()))
