"""Prometheus recording and alerting rules of the shop, each alert with its runbook.

An :class:`Alert` keeps its *signal* (the expression without the threshold) apart, so the
proof on a running shop can show that the signal returns data, or provoke the condition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Where observability/runbooks/ is published: each alert's `runbook_url` is
# <base>/<Alert>.md, absolute so that Alertmanager and Grafana link to it. A setting: the
# generator's `rules --runbook-base-url` and the umbrella chart's
# `global.observability.runbookBaseUrl` replace it.
DEFAULT_RUNBOOK_BASE_URL = "https://mercado.dev/runbooks"
SERVICES = "catalog|inventory|orders|payment|bank|notifications|gateway"
REQ = "mercado_http_requests_total"
DUR = "mercado_http_request_duration_seconds"
# The service level counts the users' requests: Prometheus' scrapes and the probes (fast,
# several a second with enough replicas) would dilute the error and slow ratios.
SLI = 'route!~"/metrics|/healthz|/readyz"'
# Latency SLO: 99% of requests answered within 500 ms (a bucket boundary of the histogram).
SLO_SECONDS = "0.5"
SLO_BUDGET = 0.01


@dataclass(frozen=True)
class Recording:
    record: str
    expr: str


@dataclass(frozen=True)
class Alert:
    name: str
    signal: str
    condition: str  # appended to the signal, e.g. "> 0.05"
    for_: str
    severity: str
    summary: str
    description: str
    # "data": the signal returns data on a healthy shop under load; "provoked": the proof
    # provokes the condition; "operator": recorded only by the operator on Kubernetes (and
    # proven against the live operator by the operator tests).
    proof: str = "data"
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def expr(self) -> str:
        return f"{self.signal} {self.condition}".strip()

    def runbook(self, base_url: str = DEFAULT_RUNBOOK_BASE_URL) -> str:
        return f"{base_url.rstrip('/')}/{self.name}.md"


def _slow_ratio(window: str) -> str:
    return (
        f'1 - (sum by (service_name) (rate({DUR}_bucket{{le="{SLO_SECONDS}", {SLI}}}[{window}])) '
        f"/ sum by (service_name) (rate({DUR}_count{{{SLI}}}[{window}])))"
    )


RECORDINGS = [
    Recording(
        "service_name:mercado_http_requests:rate5m",
        f"sum by (service_name) (rate({REQ}{{{SLI}}}[5m]))",
    ),
    Recording(
        "service_name:mercado_http_errors:ratio_rate5m",
        f'(sum by (service_name) (rate({REQ}{{status=~"5..", {SLI}}}[5m]))'
        f" or sum by (service_name) (rate({REQ}{{{SLI}}}[5m])) * 0)"
        f" / sum by (service_name) (rate({REQ}{{{SLI}}}[5m]))",
    ),
    *[
        Recording(f"service_name:mercado_http_slow:ratio_rate{w}", _slow_ratio(w))
        for w in ("5m", "30m", "1h", "6h")
    ],
    Recording(
        "service_name:mercado_http_request_duration_seconds:p95_5m",
        f"histogram_quantile(0.95, sum by (service_name, le) (rate({DUR}_bucket{{{SLI}}}[5m])))",
    ),
    Recording(
        "mercado:payments_failed:ratio_rate5m",
        '(sum(rate(mercado_payments_total{outcome="failed"}[5m])) or vector(0))'
        " / sum(rate(mercado_payments_total[5m]))",
    ),
]

ALERTS = [
    Alert(
        "MercadoServiceDown",
        f'up{{job=~".*({SERVICES})"}}',
        "== 0",
        "1m",
        "critical",
        "{{ $labels.job }} is down",
        "Prometheus could not scrape {{ $labels.instance }} for a minute.",
        proof="provoked",
    ),
    Alert(
        "MercadoHighErrorRatio",
        "service_name:mercado_http_errors:ratio_rate5m",
        "> 0.05",
        "5m",
        "warning",
        "{{ $labels.service_name }} answers more than 5% of requests with a 5xx",
        "{{ $value | humanizePercentage }} of its requests failed over 5 minutes.",
    ),
    Alert(
        "MercadoLatencySLOBurnFast",
        f"service_name:mercado_http_slow:ratio_rate1h > {14.4 * SLO_BUDGET:g}"
        f" and service_name:mercado_http_slow:ratio_rate5m",
        f"> {14.4 * SLO_BUDGET:g}",
        "2m",
        "critical",
        "{{ $labels.service_name }} burns its latency budget 14x too fast",
        "More than 14.4% of requests took over 500 ms in the last hour and 5 minutes: at "
        "this rate the month's 1% budget is gone in two days.",
        proof="provoked",
    ),
    Alert(
        "MercadoLatencySLOBurnSlow",
        f"service_name:mercado_http_slow:ratio_rate6h > {6 * SLO_BUDGET:g}"
        f" and service_name:mercado_http_slow:ratio_rate30m",
        f"> {6 * SLO_BUDGET:g}",
        "15m",
        "warning",
        "{{ $labels.service_name }} burns its latency budget 6x too fast",
        "More than 6% of requests took over 500 ms in the last 6 hours and 30 minutes.",
        proof="provoked",
    ),
    Alert(
        "MercadoPaymentFailureRatio",
        "mercado:payments_failed:ratio_rate5m",
        "> 0.1",
        "5m",
        "warning",
        "More than 10% of payments fail",
        "{{ $value | humanizePercentage }} of payments failed at the bank (not declines).",
    ),
    Alert(
        "MercadoCircuitBreakerOpen",
        "max by (service_name, dependency) (mercado_circuit_breaker_open)",
        "== 1",
        "1m",
        "warning",
        "{{ $labels.service_name }} stopped calling {{ $labels.dependency }}",
        "The circuit breaker is open: {{ $labels.dependency }} kept failing.",
        proof="provoked",
    ),
    Alert(
        "MercadoOutboxStuck",
        "max by (service_name) (mercado_outbox_lag_seconds)",
        "> 120",
        "5m",
        "critical",
        "{{ $labels.service_name }} has not published its events for minutes",
        "The oldest unpublished outbox event is {{ $value | humanizeDuration }} old.",
    ),
    Alert(
        "MercadoDeadLetters",
        "sum by (service_name, event_type) "
        '(increase(mercado_events_consumed_total{outcome="dead_lettered"}[15m]))',
        "> 0",
        "0m",
        "warning",
        "{{ $labels.service_name }} dead-lettered {{ $labels.event_type }} events",
        "Events that could not be processed went to the dead-letter subject.",
        proof="provoked",
    ),
    Alert(
        "MercadoLowStock",
        "sum by (service_name) (increase(mercado_low_stock_events_total[15m]))",
        "> 0",
        "0m",
        "info",
        "Products ran low on stock",
        "{{ $value }} SKUs fell to or below their low-stock threshold in 15 minutes.",
        proof="provoked",
    ),
    Alert(
        "MercadoOperatorReconcileErrors",
        'sum(rate(mercado_operator_reconciles_total{result="error"}[10m]))',
        "> 0",
        "10m",
        "warning",
        "The Mercado operator fails to reconcile Shops",
        "Reconciles keep failing; the operator's log says why.",
        proof="operator",
    ),
    Alert(
        "MercadoShopNotReady",
        "max(mercado_operator_shops_not_ready)",
        "> 0",
        "10m",
        "critical",
        "A Shop is not Ready",
        "{{ $value }} Shops have not been Ready for 10 minutes.",
        proof="operator",
    ),
]


def rule_groups(runbook_base_url: str = DEFAULT_RUNBOOK_BASE_URL) -> dict[str, Any]:
    """The rules file (also the ``spec`` of the chart's PrometheusRule)."""
    return {
        "groups": [
            {
                "name": "mercado.recording",
                "rules": [{"record": r.record, "expr": r.expr} for r in RECORDINGS],
            },
            {
                "name": "mercado.alerts",
                "rules": [
                    {
                        "alert": a.name,
                        "expr": a.expr,
                        "for": a.for_,
                        "labels": {"severity": a.severity, **a.labels},
                        "annotations": {
                            "summary": a.summary,
                            "description": a.description,
                            "runbook_url": a.runbook(runbook_base_url),
                        },
                    }
                    for a in ALERTS
                ],
            },
        ]
    }
