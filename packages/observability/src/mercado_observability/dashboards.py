"""The shop's Grafana dashboards, built with grafana-foundation-sdk (Grafana 11.6 build).

Each dashboard is described first as plain data (:class:`Board`, :class:`Chart`), then turned
into Grafana's JSON model by the SDK. Queries use ``$__rate_interval`` and a ``datasource``
variable so a user picks their Prometheus when importing.
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


def _zero_if_none(expr: str, baseline: str) -> str:
    """``expr``, or 0 for each series of ``baseline`` when nothing failed yet."""
    return f"({expr}) or ({baseline}) * 0"


# --- Who does what (which panels a service's dashboard has) --------------------------------
DEPENDENCIES = {
    "gateway": ("catalog", "orders"),
    "orders": ("catalog", "inventory", "payment"),
    "payment": ("bank",),
}
PUBLISHES = ("catalog", "inventory", "orders", "payment", "notifications")
CONSUMES = ("catalog", "inventory", "notifications")
SERVICES = ("gateway", "catalog", "inventory", "orders", "payment", "bank", "notifications")


def red_row(svc: str) -> tuple[str, tuple[Chart, ...]]:
    sel = f'service_name="{svc}"'
    total = f"sum by (route) (rate({REQ}{{{sel}}}[{RATE}]))"
    return (
        "Requests (RED)",
        (
            Chart("Requests per second by route", (q(total, "{{route}}"),), "reqps"),
            Chart(
                "Server errors (5xx) per second by route",
                (
                    q(
                        _zero_if_none(
                            f'sum by (route) (rate({REQ}{{{sel}, status=~"5.."}}[{RATE}]))', total
                        ),
                        "{{route}}",
                    ),
                ),
                "reqps",
            ),
            Chart(
                "Latency",
                tuple(
                    q(
                        f"histogram_quantile({p}, sum by (le) "
                        f"(rate({DUR}_bucket{{{sel}}}[{RATE}])))",
                        f"p{int(p * 100)}",
                    )
                    for p in (0.5, 0.95, 0.99)
                ),
                "s",
            ),
            Chart(
                "Requests in flight",
                (q(f"sum(mercado_http_requests_in_flight{{{sel}}})", "in flight"),),
            ),
        ),
    )


def dependency_row(svc: str) -> tuple[str, tuple[Chart, ...]]:
    sel = f'service_name="{svc}"'
    calls = (
        "sum by (dependency) "
        f"(rate(mercado_dependency_request_duration_seconds_count{{{sel}}}[{RATE}]))"
    )
    return (
        "Dependencies",
        (
            Chart(
                "Dependency latency (p95)",
                (
                    q(
                        "histogram_quantile(0.95, sum by (dependency, le) (rate("
                        f"mercado_dependency_request_duration_seconds_bucket{{{sel}}}[{RATE}])))",
                        "{{dependency}}",
                    ),
                ),
                "s",
            ),
            Chart("Dependency calls per second", (q(calls, "{{dependency}}"),), "reqps"),
            Chart(
                "Dependency errors per second",
                (
                    q(
                        _zero_if_none(
                            "sum by (dependency, kind) "
                            f"(rate(mercado_dependency_errors_total{{{sel}}}[{RATE}]))",
                            calls,
                        ),
                        "{{dependency}} {{kind}}",
                    ),
                ),
                "reqps",
            ),
            Chart(
                "Circuit breaker open",
                (
                    q(
                        f"max by (dependency) (mercado_circuit_breaker_open{{{sel}}})",
                        "{{dependency}}",
                    ),
                ),
                "bool",
            ),
        ),
    )


def events_row(svc: str) -> tuple[str, tuple[Chart, ...]]:
    sel = f'service_name="{svc}"'
    charts: list[Chart] = []
    if svc in PUBLISHES:
        charts += [
            Chart(
                "Outbox: pending events and lag",
                (
                    q(f"max(mercado_outbox_pending_events{{{sel}}})", "pending"),
                    q(f"max(mercado_outbox_lag_seconds{{{sel}}})", "lag (s)"),
                ),
            ),
            Chart(
                "Events published per second",
                (
                    q(
                        "sum by (event_type) "
                        f"(rate(mercado_events_published_total{{{sel}}}[{RATE}]))",
                        "{{event_type}}",
                    ),
                ),
                "ops",
            ),
        ]
    if svc in CONSUMES:
        consumed = f"sum by (event_type) (rate(mercado_events_consumed_total{{{sel}}}[{RATE}]))"
        charts += [
            Chart(
                "Events consumed per second by outcome",
                (
                    q(
                        "sum by (event_type, outcome) "
                        f"(rate(mercado_events_consumed_total{{{sel}}}[{RATE}]))",
                        "{{event_type}} {{outcome}}",
                    ),
                ),
                "ops",
            ),
            Chart(
                "Redeliveries and dead letters per second",
                (
                    q(
                        _zero_if_none(
                            "sum by (event_type) "
                            f"(rate(mercado_events_redelivered_total{{{sel}}}[{RATE}]))",
                            consumed,
                        ),
                        "redelivered {{event_type}}",
                    ),
                    q(
                        _zero_if_none(
                            "sum by (event_type) (rate(mercado_events_consumed_total"
                            f'{{{sel}, outcome="dead_lettered"}}[{RATE}]))',
                            consumed,
                        ),
                        "dead-lettered {{event_type}}",
                    ),
                ),
                "ops",
            ),
        ]
    return ("Events", tuple(charts))


PER_MINUTE = "[$__rate_interval])) * 60"
BUSINESS: dict[str, tuple[Chart, ...]] = {
    "orders": (
        Chart(
            "Orders finished per minute by state and reason",
            (
                q(
                    f"sum by (state, reason) (rate(mercado_orders_final_total{PER_MINUTE}",
                    "{{state}} {{reason}}",
                ),
            ),
        ),
        Chart(
            "Revenue per minute (minor units)",
            (
                q(
                    f"sum by (currency) (rate(mercado_revenue_minor_units_total{PER_MINUTE}",
                    "{{currency}}",
                ),
            ),
        ),
    ),
    "payment": (
        Chart(
            "Payments per minute by outcome",
            (q(f"sum by (outcome) (rate(mercado_payments_total{PER_MINUTE}", "{{outcome}}"),),
        ),
        Chart(
            "Payment failure ratio",
            (q("mercado:payments_failed:ratio_rate5m", "failed / all"),),
            "percentunit",
        ),
    ),
    "inventory": (
        Chart(
            "Reservations per minute by outcome",
            (q(f"sum by (outcome) (rate(mercado_reservations_total{PER_MINUTE}", "{{outcome}}"),),
        ),
        Chart(
            "Low-stock events (last hour)",
            (q("sum(increase(mercado_low_stock_events_total[1h]))", "low stock"),),
        ),
    ),
    "notifications": (
        Chart(
            "Notifications per minute by channel and outcome",
            (
                q(
                    f"sum by (channel, outcome) (rate(mercado_notifications_total{PER_MINUTE}",
                    "{{channel}} {{outcome}}",
                ),
            ),
        ),
    ),
}


def service_board(svc: str) -> Board:
    rows = [red_row(svc)]
    if svc in DEPENDENCIES:
        rows.append(dependency_row(svc))
    if svc in PUBLISHES or svc in CONSUMES:
        rows.append(events_row(svc))
    if svc in BUSINESS:
        rows.append(("Business", BUSINESS[svc]))
    return Board(
        f"mercado-{svc}",
        f"Mercado / {svc}",
        f"The {svc} service: requests, dependencies, events and its business metrics.",
        tuple(rows),
        ("mercado", svc),
    )


def overview_board() -> Board:
    total = f"sum(rate({REQ}[{RATE}]))"
    by_svc = f"sum by (service_name) (rate({REQ}[{RATE}]))"
    return Board(
        "mercado-overview",
        "Mercado / Shop overview",
        "The whole shop at a glance: traffic, errors, latency, orders, revenue, stock alerts.",
        (
            (
                "Now",
                (
                    Chart("Requests per second", (q(total),), "reqps", "stat", width=6),
                    Chart(
                        "Server error ratio",
                        (
                            q(
                                "("
                                + _zero_if_none(f'sum(rate({REQ}{{status=~"5.."}}[{RATE}]))', total)
                                + f") / {total}"
                            ),
                        ),
                        "percentunit",
                        "stat",
                        width=6,
                    ),
                    Chart(
                        "Orders confirmed per minute",
                        (
                            q(
                                "sum(rate(mercado_orders_final_total"
                                f'{{state="CONFIRMED"}}{PER_MINUTE}'
                            ),
                        ),
                        "short",
                        "stat",
                        width=6,
                    ),
                    Chart(
                        "Targets up",
                        (q(f'sum(up{{job=~".*({"|".join(SERVICES)})"}})'),),
                        "short",
                        "stat",
                        width=6,
                    ),
                ),
            ),
            (
                "Traffic, errors, latency",
                (
                    Chart(
                        "Requests per second by service", (q(by_svc, "{{service_name}}"),), "reqps"
                    ),
                    Chart(
                        "Server error ratio by service",
                        (q("service_name:mercado_http_errors:ratio_rate5m", "{{service_name}}"),),
                        "percentunit",
                    ),
                    Chart(
                        "Latency p95 by service",
                        (
                            q(
                                "histogram_quantile(0.95, sum by (service_name, le) "
                                f"(rate({DUR}_bucket[{RATE}])))",
                                "{{service_name}}",
                            ),
                        ),
                        "s",
                    ),
                    Chart(
                        "Share of requests slower than 500 ms (SLO: 1%)",
                        (q("service_name:mercado_http_slow:ratio_rate5m", "{{service_name}}"),),
                        "percentunit",
                    ),
                ),
            ),
            (
                "Business",
                (
                    Chart(
                        "Orders per minute by final state",
                        (
                            q(
                                f"sum by (state) (rate(mercado_orders_final_total{PER_MINUTE}",
                                "{{state}}",
                            ),
                        ),
                    ),
                    Chart(
                        "Revenue per minute (minor units)",
                        (
                            q(
                                "sum by (currency) "
                                f"(rate(mercado_revenue_minor_units_total{PER_MINUTE}",
                                "{{currency}}",
                            ),
                        ),
                    ),
                    Chart(
                        "Stock alerts: low-stock events and out-of-stock reservations (last hour)",
                        (
                            q("sum(increase(mercado_low_stock_events_total[1h]))", "low stock"),
                            q(
                                'sum(increase(mercado_reservations_total{outcome="out_of_stock"}[1h]))'
                                " or sum(increase(mercado_reservations_total[1h])) * 0",
                                "out of stock",
                            ),
                        ),
                    ),
                    Chart(
                        "Payments per minute by outcome",
                        (
                            q(
                                f"sum by (outcome) (rate(mercado_payments_total{PER_MINUTE}",
                                "{{outcome}}",
                            ),
                        ),
                    ),
                ),
            ),
        ),
        ("mercado", "overview"),
    )


def operator_board() -> Board:
    return Board(
        "mercado-operator",
        "Mercado / operator",
        "The Mercado operator: reconciles of Shops, their duration and errors, Shops by condition.",
        (
            (
                "Reconciles",
                (
                    Chart(
                        "Reconciles per minute by result",
                        (
                            q(
                                "sum by (result) "
                                f"(rate(mercado_operator_reconciles_total{PER_MINUTE}",
                                "{{result}}",
                            ),
                        ),
                    ),
                    Chart(
                        "Reconcile duration (p95)",
                        (
                            q(
                                "histogram_quantile(0.95, sum by (le) (rate("
                                f"mercado_operator_reconcile_duration_seconds_bucket[{RATE}])))",
                                "p95",
                            ),
                        ),
                        "s",
                    ),
                    Chart(
                        "Shops by condition",
                        (
                            q(
                                "sum by (condition, condition_status) (mercado_operator_shops)",
                                "{{condition}}={{condition_status}}",
                            ),
                        ),
                    ),
                ),
            ),
        ),
        ("mercado", "operator"),
    )


def boards() -> list[Board]:
    return [overview_board(), *(service_board(s) for s in SERVICES), operator_board()]


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
