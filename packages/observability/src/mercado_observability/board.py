"""The dashboard model (:class:`Board`, :class:`Chart`, :class:`Query`) and its rendering
into Grafana's JSON model with grafana-foundation-sdk (Grafana 11.6 build).

Queries use ``$__rate_interval`` and a ``datasource`` variable so a user picks their
Prometheus when importing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from grafana_foundation_sdk.builders import dashboard as gd
from grafana_foundation_sdk.builders import prometheus, stat, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef

RATE = "$__rate_interval"
REQ = "mercado_http_requests_total"
DUR = "mercado_http_request_duration_seconds"
DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
PER_MINUTE = "[$__rate_interval])) * 60"


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Chart:
    title: str
    queries: tuple[Query, ...]
    unit: str = "short"
    kind: str = "timeseries"  # or "stat"
    description: str = ""
    width: int = 12


@dataclass(frozen=True)
class Board:
    uid: str
    title: str
    description: str
    rows: tuple[tuple[str, tuple[Chart, ...]], ...]
    tags: tuple[str, ...] = field(default=("mercado",))


def q(expr: str, legend: str = "") -> Query:
    return Query(expr, legend)


def zero_if_none(expr: str, baseline: str) -> str:
    """``expr``, or 0 for each series of ``baseline`` when nothing failed yet."""
    return f"({expr}) or ({baseline}) * 0"


def _panel(chart: Chart, ref: int) -> Any:
    builder: Any = stat.Panel() if chart.kind == "stat" else timeseries.Panel()
    builder = (
        builder.id(ref)
        .title(chart.title)
        .datasource(DATASOURCE)
        .unit(chart.unit)
        .height(4 if chart.kind == "stat" else 8)
        .span(chart.width)
    )
    if chart.description:
        builder = builder.description(chart.description)
    for i, query in enumerate(chart.queries):
        target = (
            prometheus.Dataquery()
            .expr(query.expr)
            .legend_format(query.legend or "__auto")
            .ref_id(chr(ord("A") + i))
            .datasource(DATASOURCE)
        )
        builder = builder.with_target(target)
    return builder


def render(board: Board) -> dict[str, Any]:
    """The Grafana JSON model of one dashboard."""
    builder = (
        gd.Dashboard(board.title)
        .uid(board.uid)
        .description(board.description)
        .tags(list(board.tags))
        .editable()
        .time("now-1h", "now")
        .refresh("30s")
        .timezone("browser")
        .with_variable(gd.DatasourceVariable("datasource").label("Prometheus").type("prometheus"))
    )
    ref = 0
    for title, charts in board.rows:
        ref += 1
        builder = builder.with_row(gd.Row(title).id(ref))
        for chart in charts:
            ref += 1
            builder = builder.with_panel(_panel(chart, ref))
    data: dict[str, Any] = json.loads(json.dumps(builder.build(), cls=JSONEncoder))
    return data
