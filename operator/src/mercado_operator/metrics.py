"""The operator's Prometheus metrics, served on /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

RECONCILES = Counter(
    "mercado_operator_reconciles_total",
    "Reconciles of a Shop, by result (changed, unchanged, paused, error).",
    ["result"],
)
for _result in ("changed", "unchanged", "paused", "error"):
    RECONCILES.labels(result=_result)  # at 0 from the start: a first error shows as an increase
RECONCILE_SECONDS = Histogram(
    "mercado_operator_reconcile_duration_seconds",
    "Time one reconcile of a Shop took.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)
SHOPS = Gauge(
    "mercado_operator_shops",
    "Shops by condition (Ready, Progressing, Degraded) whose status is True.",
    ["condition"],
)
SHOPS_NOT_READY = Gauge(
    "mercado_operator_shops_not_ready",
    "Shops whose Ready condition is not True (False, Unknown or not written yet).",
)
API_WRITES = Counter(
    "mercado_operator_api_writes_total",
    "Write calls made to the Kubernetes API, by verb and kind.",
    ["verb", "kind"],
)
LEADER = Gauge("mercado_operator_leader", "1 while this replica holds the leader Lease.")
