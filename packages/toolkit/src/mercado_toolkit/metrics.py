"""Every Prometheus metric of Mercado, declared once (the telemetry schema).

Code records values through these objects; dashboards and alert rules refer to these names.
The ``service`` label is on every metric so one process registry serves any service.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# --- HTTP server (RED) -------------------------------------------------------------------
HTTP_REQUESTS = Counter(
    "mercado_http_requests_total",
    "HTTP requests served, by route template and status code.",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "mercado_http_request_duration_seconds",
    "HTTP request latency by route template and status code.",
    ["service", "method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
HTTP_IN_FLIGHT = Gauge(
    "mercado_http_requests_in_flight",
    "HTTP requests being served right now.",
    ["service"],
)

# --- Dependencies ------------------------------------------------------------------------
DEPENDENCY_LATENCY = Histogram(
    "mercado_dependency_request_duration_seconds",
    "Latency of calls to another service, by dependency and outcome.",
    ["service", "dependency", "outcome"],
    buckets=LATENCY_BUCKETS,
)
DEPENDENCY_ERRORS = Counter(
    "mercado_dependency_errors_total",
    "Failed calls to another service, by dependency and error kind.",
    ["service", "dependency", "kind"],
)
BREAKER_STATE = Gauge(
    "mercado_circuit_breaker_open",
    "1 while the circuit breaker of a dependency is open, else 0.",
    ["service", "dependency"],
)

# --- Events ------------------------------------------------------------------------------
OUTBOX_PENDING = Gauge(
    "mercado_outbox_pending_events",
    "Events written to the outbox and not yet published.",
    ["service"],
)
OUTBOX_LAG = Gauge(
    "mercado_outbox_lag_seconds",
    "Age of the oldest unpublished outbox event.",
    ["service"],
)
EVENTS_PUBLISHED = Counter(
    "mercado_events_published_total",
    "Events published to NATS JetStream by the outbox relay.",
    ["service", "type"],
)
EVENTS_CONSUMED = Counter(
    "mercado_events_consumed_total",
    "Events handled by a consumer, by outcome (processed, duplicate, failed, dead_lettered).",
    ["service", "type", "outcome"],
)

# --- Business ----------------------------------------------------------------------------
STOCK_AVAILABLE = Gauge(
    "mercado_stock_available_units",
    "Units available for sale per SKU, as last changed.",
    ["service", "sku"],
)
RESERVATIONS = Counter(
    "mercado_reservations_total",
    "Stock reservations by outcome (reserved, out_of_stock, committed, released, expired).",
    ["service", "outcome"],
)
ORDERS_FINAL = Counter(
    "mercado_orders_final_total",
    "Orders that reached a final state, by state and reason.",
    ["service", "state", "reason"],
)
PAYMENTS = Counter(
    "mercado_payments_total",
    "Payment outcomes (succeeded, declined, failed, refunded).",
    ["service", "outcome"],
)
NOTIFICATIONS = Counter(
    "mercado_notifications_total",
    "Notifications by channel and outcome.",
    ["service", "channel", "outcome"],
)
