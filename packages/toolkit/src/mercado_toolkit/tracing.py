"""OpenTelemetry set-up from the standard ``OTEL_*`` variables.

Traces are exported over OTLP/HTTP only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or the traces
variant) is set. Otherwise no span is recorded: spans are sampled out (non-recording), which
costs next to nothing yet still gives each request a trace id and span id for the logs and
for the ``traceparent`` sent on to other services.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping

from opentelemetry import context, propagate, trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind
from starlette.types import ASGIApp, Receive, Scope, Send

_exporting: bool | None = None


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
    _exporting = exporting()
    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", service)})
    if _exporting:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider(resource=resource)
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider = TracerProvider(resource=resource, sampler=ALWAYS_OFF)
    trace.set_tracer_provider(provider)
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


def tracer(name: str) -> trace.Tracer:
    return trace.get_tracer(name)


def inject_headers(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Writes ``traceparent`` (and ``tracestate``) of the current span into ``headers``."""
    propagate.inject(headers)
    return headers


def extract_context(headers: Mapping[str, str]) -> context.Context:
    return propagate.extract(dict(headers))
