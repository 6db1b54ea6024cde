"""The shop's Grafana dashboards: the overview, one per service, the operator's."""

from __future__ import annotations

from mercado_observability.board import (
    DUR,
    PER_MINUTE,
    RATE,
    REQ,
    Board,
    Chart,
    q,
    render,
    zero_if_none,
)
from mercado_observability.service_boards import SERVICES, service_board

__all__ = ["boards", "render"]


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
                                + zero_if_none(f'sum(rate({REQ}{{status=~"5.."}}[{RATE}]))', total)
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
                        "Shops by condition (status True), and not Ready",
                        (
                            q("sum by (condition) (mercado_operator_shops)", "{{condition}}"),
                            q("max(mercado_operator_shops_not_ready)", "not Ready"),
                        ),
                    ),
                    Chart(
                        "Kubernetes API writes per minute",
                        (
                            q(
                                "sum by (verb, kind) "
                                f"(rate(mercado_operator_api_writes_total{PER_MINUTE}",
                                "{{verb}} {{kind}}",
                            ),
                        ),
                    ),
                    Chart(
                        "Leader",
                        (q("max(mercado_operator_leader)", "leader"),),
                        "bool",
                    ),
                ),
            ),
        ),
        ("mercado", "operator"),
    )


def boards() -> list[Board]:
    return [overview_board(), *(service_board(s) for s in SERVICES), operator_board()]
