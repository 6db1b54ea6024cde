from __future__ import annotations

import io
import json
import logging

from opentelemetry import trace

from mercado_toolkit.logs import configure_logging
from mercado_toolkit.tracing import configure_tracing


def test_log_lines_are_json_with_trace_and_span_ids() -> None:
    configure_tracing("test")
    configure_logging("catalog", "INFO", json_lines=True)
    handler = logging.getLogger().handlers[0]
    buffer = io.StringIO()
    handler.setStream(buffer)  # type: ignore[attr-defined]
    with trace.get_tracer("t").start_as_current_span("work") as span:
        logging.getLogger("mercado.test").info("hello %s", "world")
    line = json.loads(buffer.getvalue().splitlines()[-1])
    ctx = span.get_span_context()
    assert line["message"] == "hello world"
    assert line["level"] == "INFO" and line["service"] == "catalog"
    assert line["trace_id"] == format(ctx.trace_id, "032x")
    assert line["span_id"] == format(ctx.span_id, "016x")
