"""Every Prometheus metric a Mercado service records.

The names, types, labels and help texts are declared in the telemetry schema
(``observability/schema/telemetry.yaml``); a unit test fails when these objects and the
schema disagree. ``service_name`` (not ``service``, which Prometheus sets on targets found
through a Kubernetes Service) says which service recorded a value, so one process registry
can serve any service.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# --- HTTP server (RED) -------------------------------------------------------------------
HTTP_REQUESTS = Counter(
    "mercado_http_requests_total",
    "HTTP requests served, by route template and status code.",
    ["service_name", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "mercado_http_request_duration_seconds",
    "HTTP request latency by route template and status code.",
    ["service_name", "method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
HTTP_IN_FLIGHT = Gauge(
    "mercado_http_requests_in_flight",
    "HTTP requests being served right now.",
    ["service_name"],
)

# --- Dependencies ------------------------------------------------------------------------
DEPENDENCY_LATENCY = Histogram(
    "mercado_dependency_request_duration_seconds",
    "Latency of calls to another service, by dependency and outcome.",
    ["service_name", "dependency", "outcome"],
    buckets=LATENCY_BUCKETS,
)
DEPENDENCY_ERRORS = Counter(
    "mercado_dependency_errors_total",
    "Failed calls to another service, by dependency and error kind.",
    ["service_name", "dependency", "kind"],
)
BREAKER_STATE = Gauge(
    "mercado_circuit_breaker_open",
    "1 while the circuit breaker of a dependency is open, else 0.",
    ["service_name", "dependency"],
)

# --- Events ------------------------------------------------------------------------------
OUTBOX_PENDING = Gauge(
    "mercado_outbox_pending_events",
    "Events written to the outbox and not yet published.",
    ["service_name"],
)
OUTBOX_LAG = Gauge(
    "mercado_outbox_lag_seconds",
    "Age of the oldest unpublished outbox event.",
    ["service_name"],
)
EVENTS_PUBLISHED = Counter(
    "mercado_events_published_total",
    "Events published to NATS JetStream by the outbox relay.",
    ["service_name", "event_type"],
)
EVENTS_CONSUMED = Counter(
    "mercado_events_consumed_total",
    "Events handled by a consumer, by outcome.",
    ["service_name", "event_type", "outcome"],
)
EVENTS_REDELIVERED = Counter(
    "mercado_events_redelivered_total",
    "Events a consumer received again after a failure or a missed acknowledgement.",
    ["service_name", "event_type"],
)

# --- Business ----------------------------------------------------------------------------
RESERVATIONS = Counter(
    "mercado_reservations_total",
    "Stock reservations by outcome.",
    ["service_name", "outcome"],
)
LOW_STOCK = Counter(
    "mercado_low_stock_events_total",
    "Times a SKU's available stock fell to or below its low-stock threshold.",
    ["service_name"],
)
ORDERS_FINAL = Counter(
    "mercado_orders_final_total",
    "Orders that reached a final state, by state and reason.",
    ["service_name", "state", "reason"],
)
REVENUE = Counter(
    "mercado_revenue_minor_units_total",
    "Value of confirmed orders, in minor units of their currency.",
    ["service_name", "currency"],
)
PAYMENTS = Counter(
    "mercado_payments_total",
    "Payment outcomes.",
    ["service_name", "outcome"],
)
NOTIFICATIONS = Counter(
    "mercado_notifications_total",
    "Notifications by channel and outcome.",
    ["service_name", "channel", "outcome"],
)
