"""OpenTelemetry set-up from the standard ``OTEL_*`` variables.

Traces are exported over OTLP/HTTP only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or the traces
variant) is set. Otherwise no span is recorded: spans are sampled out (non-recording), which
costs next to nothing yet still gives each request a trace id and span id for the logs and
for the ``traceparent`` sent on to other services; and the per-statement database spans and
the full ASGI instrumentation (several spans per request) are left out altogether.

When exporting, HTTP server spans come from OpenTelemetry's FastAPI instrumentation and
database spans from its SQLAlchemy instrumentation; HTTP client spans (and ``traceparent``)
always come from its aiohttp-client instrumentation. Only the spans of NATS messages
(created into the outbox, processed by a consumer) are written here (no kept library
instruments nats-py). Their attribute names are declared in the telemetry schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import Span, SpanKind
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Receive, Scope, Send

_exporting: bool | None = None

MESSAGING_SYSTEM = "messaging.system"
DESTINATION = "messaging.destination.name"
OPERATION = "messaging.operation.type"
CONSUMER_GROUP = "messaging.consumer.group.name"
DELIVERY_COUNT = "messaging.message.delivery_count"
EVENT_TYPE = "mercado.event.type"
EVENT_OUTCOME = "mercado.event.outcome"


def tracing_enabled() -> bool:
    """``OTEL_SDK_DISABLED=true`` turns every instrumentation off (to measure its cost)."""
    return os.environ.get("OTEL_SDK_DISABLED", "false").lower() != "true"


def exporting() -> bool:
    """Whether the environment asks for spans to be exported."""
    endpoint = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") or os.environ.get(
        "OTEL_EXPORTER_OTLP_ENDPOINT"
    )
    return bool(endpoint) and os.environ.get("OTEL_TRACES_EXPORTER", "otlp") != "none"


def configure_tracing(service: str) -> bool:
    """Sets the process's tracer provider once; returns whether spans are exported."""
    global _exporting
    if _exporting is not None:
        return _exporting
    _exporting = exporting() and tracing_enabled()
    if not tracing_enabled():
        return False
    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", service)})
    if _exporting:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider(resource=resource)
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider = TracerProvider(resource=resource, sampler=ALWAYS_OFF)
    trace.set_tracer_provider(provider)
    AioHttpClientInstrumentor().instrument()
    return _exporting


class ServerSpanMiddleware:
    """One (non-recording) server span per request, child of the caller's ``traceparent``:
    what logs and outgoing calls need when nothing is exported, without the full ASGI
    instrumentation's three spans and attribute work per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.tracer = trace.get_tracer("mercado.http.server")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier = {
            key.decode("latin-1"): value.decode("latin-1")
            for key, value in scope["headers"]
            if key in (b"traceparent", b"tracestate")
        }
        parent = propagate.extract(carrier) if carrier else None
        with self.tracer.start_as_current_span(scope["path"], context=parent, kind=SpanKind.SERVER):
            await self.app(scope, receive, send)


class _ChildSpansOnly(trace.Tracer):
    """Starts a span only under a current span: database statements of background loops
    (such as the outbox relay polling) make no traces of their own."""

    def __init__(self, delegate: trace.Tracer) -> None:
        self.delegate = delegate

    def start_span(self, name: str, context: Context | None = None, *a: Any, **kw: Any) -> Span:
        if not trace.get_current_span(context).get_span_context().is_valid:
            return trace.INVALID_SPAN
        return self.delegate.start_span(name, context, *a, **kw)

    @contextmanager
    def start_as_current_span(  # type: ignore[override]
        self, name: str, context: Context | None = None, *a: Any, **kw: Any
    ) -> Iterator[Span]:
        span = self.start_span(name, context, *a, **kw)
        with trace.use_span(span, end_on_exit=True) as current:
            yield current


class _ChildSpansOnlyProvider(trace.TracerProvider):
    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        return _ChildSpansOnly(trace.get_tracer_provider().get_tracer(*args, **kwargs))


def instrument_engine(engine: AsyncEngine) -> None:
    """Database spans for every statement of ``engine`` (children of the current span),
    when spans are exported."""
    if _exporting:
        # The instrumentation declares SQLAlchemy < 2.1; it works with 2.1 (the proof test
        # checks its spans), so its dependency check is skipped.
        SQLAlchemyInstrumentor().instrument(
            engine=engine.sync_engine,
            tracer_provider=_ChildSpansOnlyProvider(),
            skip_dep_check=True,
        )


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def inject_headers(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Writes ``traceparent`` (and ``tracestate``) of the current span into ``headers``."""
    propagate.inject(headers)
    return headers


def extract_context(headers: Mapping[str, str]) -> context.Context:
    return propagate.extract(dict(headers))


@contextmanager
def create_span(event_type: str, subject: str) -> Iterator[Span]:
    """The producer span of one event, made when the event is written to the outbox (the
    relay sends it later); its context goes into the message headers."""
    with tracer("mercado.events").start_as_current_span(
        f"create {event_type}",
        kind=SpanKind.PRODUCER,
        attributes={
            MESSAGING_SYSTEM: "nats",
            DESTINATION: subject,
            OPERATION: "create",
            EVENT_TYPE: event_type,
        },
    ) as span:
        yield span


@contextmanager
def process_span(
    event_type: str, subject: str, consumer: str, deliveries: int, headers: Mapping[str, str]
) -> Iterator[Span]:
    """The consumer span of one delivery, a child of the span that published the event."""
    with tracer("mercado.events").start_as_current_span(
        f"process {event_type}",
        context=extract_context(headers),
        kind=SpanKind.CONSUMER,
        attributes={
            MESSAGING_SYSTEM: "nats",
            DESTINATION: subject,
            OPERATION: "process",
            CONSUMER_GROUP: consumer,
            DELIVERY_COUNT: deliveries,
            EVENT_TYPE: event_type,
        },
    ) as span:
        yield span
