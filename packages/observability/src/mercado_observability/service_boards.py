"""One dashboard per service: RED by route, dependencies, events, business metrics."""

from __future__ import annotations

from mercado_observability.board import (
    DUR,
    PER_MINUTE,
    RATE,
    REQ,
    Board,
    Chart,
    q,
    zero_if_none,
)

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
                        zero_if_none(
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
                        zero_if_none(
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
                        zero_if_none(
                            "sum by (event_type) "
                            f"(rate(mercado_events_redelivered_total{{{sel}}}[{RATE}]))",
                            consumed,
                        ),
                        "redelivered {{event_type}}",
                    ),
                    q(
                        zero_if_none(
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
