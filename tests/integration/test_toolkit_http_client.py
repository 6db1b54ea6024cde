"""The service HTTP client against a real aiohttp server on loopback: retries only when
idempotent, a breaker that opens and recovers, trace context on every request."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from opentelemetry import trace
from prometheus_client import REGISTRY

from mercado_toolkit.http_client import DependencyUnavailable, new_session
from mercado_toolkit.tracing import configure_tracing
from tests.support.aiohttp_stub import client_of, serve
from tests.support.processes import free_port

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Flaky:
    """Answers 503 ``failures`` times, then 200; records what it received."""

    def __init__(self) -> None:
        self.failures = 0
        self.calls = 0
        self.traceparents: list[str | None] = []
        self.paths: list[str] = []
        self.delay = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        self.calls += 1
        self.traceparents.append(request.headers.get("traceparent"))
        self.paths.append(request.path)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failures > 0:
            self.failures -= 1
            return web.json_response({"error": {"code": "unavailable"}}, status=503)
        if request.path == "/missing":
            return web.json_response({"error": {"code": "not_found"}}, status=404)
        if request.path == "/empty":
            return web.Response(status=204)
        if request.path == "/invalid":
            return web.json_response({"error": {"code": "validation_error"}}, status=400)
        if request.path == "/crash":
            return web.json_response({"error": {"code": "internal"}}, status=500)
        if request.path == "/garbled":
            return web.Response(text="<html>proxy error</html>", content_type="application/json")
        return web.json_response({"ok": True, "auth": request.headers.get("Authorization")})


@pytest.fixture
async def flaky() -> AsyncIterator[tuple[Flaky, str]]:
    state = Flaky()
    async with serve(state.handle) as url:
        yield state, url


async def test_idempotent_calls_are_retried_and_carry_trace_context(flaky) -> None:
    state, url = flaky
    configure_tracing("test")
    async with aiohttp.ClientSession() as http:
        client = client_of(url, http, "flaky", token="t0k", attempts=3)
        state.failures = 2
        with trace.get_tracer("test").start_as_current_span("parent") as span:
            reply = await client.request("GET", "/thing")
        assert reply.ok and reply.body["auth"] == "Bearer t0k"
        assert state.calls == 3
        trace_id = format(span.get_span_context().trace_id, "032x")
        assert all(tp and tp.split("-")[1] == trace_id for tp in state.traceparents)


async def test_non_idempotent_calls_are_not_retried(flaky) -> None:
    state, url = flaky
    async with aiohttp.ClientSession() as http:
        client = client_of(url, http, "flaky", attempts=3)
        state.failures = 1
        with pytest.raises(DependencyUnavailable):
            await client.request("POST", "/thing", json={})
        assert state.calls == 1


async def test_client_errors_are_returned_not_retried(flaky) -> None:
    state, url = flaky
    async with aiohttp.ClientSession() as http:
        client = client_of(url, http, "flaky", attempts=3)
        reply = await client.request("GET", "/missing")
        assert reply.status == 404 and reply.body["error"]["code"] == "not_found"
        assert state.calls == 1


async def test_timeouts_are_unavailability(flaky) -> None:
    state, url = flaky
    state.delay = 1.0
    async with aiohttp.ClientSession() as http:
        client = client_of(url, http, "flaky", timeout_seconds=0.2, attempts=1)
        with pytest.raises(DependencyUnavailable, match="timeout"):
            await client.request("GET", "/slow")


async def test_breaker_opens_fails_fast_and_recovers(flaky) -> None:
    state, url = flaky
    async with aiohttp.ClientSession() as http:
        client = client_of(
            url, http, "flaky", attempts=1, breaker_failures=3, breaker_recovery_seconds=0.5
        )
        state.failures = 100
        for _ in range(3):
            with pytest.raises(DependencyUnavailable):
                await client.request("GET", "/x")
        calls = state.calls
        with pytest.raises(DependencyUnavailable) as refused:
            await client.request("GET", "/x")
        assert str(refused.value) == "flaky unavailable: circuit open"
        assert state.calls == calls, "an open breaker does not call the dependency"
        state.failures = 0
        await asyncio.sleep(0.6)
        assert (await client.request("GET", "/x")).ok


async def test_every_failure_is_counted_by_kind_and_the_breaker_state_is_exported(flaky) -> None:
    """What the dependency dashboards and alerts read: errors by kind, latency by outcome,
    and whether the breaker is open."""
    state, url = flaky
    service = f"svc-{uuid.uuid4().hex[:8]}"

    def sample(name: str, **labels: str) -> float:
        value = REGISTRY.get_sample_value(name, {"service_name": service, **labels})
        return 0.0 if value is None else value

    def errors(kind: str, dependency: str = "flaky") -> float:
        return sample("mercado_dependency_errors_total", dependency=dependency, kind=kind)

    def calls(outcome: str) -> float:
        return sample(
            "mercado_dependency_request_duration_seconds_count", dependency="flaky", outcome=outcome
        )

    def breaker_open() -> float:
        return sample("mercado_circuit_breaker_open", dependency="flaky")

    async with aiohttp.ClientSession() as http:
        client = client_of(
            url,
            http,
            "flaky",
            service,
            timeout_seconds=0.3,
            attempts=1,
            breaker_failures=4,
            breaker_recovery_seconds=0.5,
        )
        # Exported from the start: a dashboard shows a closed breaker, not "no data".
        exported = {"service_name": service, "dependency": "flaky"}
        assert REGISTRY.get_sample_value("mercado_circuit_breaker_open", exported) == 0.0
        assert (await client.request("GET", "/fine")).ok
        assert (await client.request("GET", "/missing")).status == 404
        state.failures = 1
        with pytest.raises(DependencyUnavailable) as refused:
            await client.request("GET", "/x")
        assert refused.value.reason == "HTTP 503"
        with pytest.raises(DependencyUnavailable) as refused:
            await client.request("GET", "/garbled")
        assert refused.value.reason == "invalid JSON reply"
        state.delay = 1.0
        with pytest.raises(DependencyUnavailable) as refused:
            await client.request("GET", "/slow")
        assert refused.value.reason == "timeout"
        state.delay = 0.0
        assert (errors("server_error"), errors("bad_body"), errors("timeout")) == (1, 1, 1)
        assert (calls("ok"), calls("client_error"), calls("server_error"), calls("timeout")) == (
            1,
            1,
            1,
            1,
        )
        assert calls("error") == 1  # the garbled body
        assert breaker_open() == 0  # three failures: not yet

        gone = client_of(f"http://127.0.0.1:{free_port()}", http, "gone", service, attempts=1)
        with pytest.raises(DependencyUnavailable) as refused:
            await gone.request("GET", "/x")
        assert refused.value.reason == "ClientConnectorError"
        assert errors("connection", dependency="gone") == 1

        state.failures = 1
        with pytest.raises(DependencyUnavailable):
            await client.request("GET", "/x")  # the fourth failure opens it
        assert breaker_open() == 1
        with pytest.raises(DependencyUnavailable) as refused:
            await client.request("GET", "/x")
        assert str(refused.value) == "flaky unavailable: circuit open"
        assert errors("breaker_open") == 1
        await asyncio.sleep(0.6)
        assert (await client.request("GET", "/x")).ok
        assert breaker_open() == 0


async def test_a_process_keeps_at_most_a_hundred_connections_open_by_default() -> None:
    """The pool every client of a process shares is bounded (a burst of calls queues for a
    connection instead of opening thousands of sockets to one dependency)."""
    for session, limit in ((new_session(), 100), (new_session(8), 8)):
        try:
            assert isinstance(session.connector, aiohttp.TCPConnector)
            assert session.connector.limit == limit
        finally:
            await session.close()


async def test_a_base_url_keeps_its_path_less_a_trailing_slash(flaky) -> None:
    state, url = flaky
    async with aiohttp.ClientSession() as http:
        client = client_of(f"{url}/API-X/", http, "flaky")
        assert (await client.request("GET", "/items")).ok
    assert state.paths == ["/API-X/items"]


async def test_a_callers_own_mistake_never_opens_the_breaker(flaky) -> None:
    """A body that cannot even be sent is the caller's bug, not the dependency failing:
    it raises to the caller and counts nothing against the dependency."""
    state, url = flaky
    async with aiohttp.ClientSession() as http:
        client = client_of(url, http, "flaky", attempts=1, breaker_failures=2)
        for _ in range(3):
            with pytest.raises(TypeError):
                await client.request("POST", "/x", json={"not json": object()})
        assert (await client.request("GET", "/x")).ok
    assert state.calls == 1


async def test_what_each_kind_of_answer_becomes(flaky) -> None:
    """A 500 is the dependency failing (retried, then unavailable); a 400 is an answer,
    counted as a client error; an empty 204 is an answer with no body; ``decode=False``
    hands the bytes over undecoded."""
    state, url = flaky
    service = f"svc-{uuid.uuid4().hex[:8]}"

    def calls(outcome: str) -> float:
        labels = {"service_name": service, "dependency": "flaky", "outcome": outcome}
        value = REGISTRY.get_sample_value(
            "mercado_dependency_request_duration_seconds_count", labels
        )
        return 0.0 if value is None else value

    async with aiohttp.ClientSession() as http:
        client = client_of(url, http, "flaky", service, attempts=2)
        with pytest.raises(DependencyUnavailable) as crashed:
            await client.request("GET", "/crash")
        assert str(crashed.value) == "flaky unavailable: HTTP 500"
        assert state.paths.count("/crash") == 2  # retried once
        invalid = await client.request("POST", "/invalid", json={})
        assert (invalid.status, invalid.body) == (400, {"error": {"code": "validation_error"}})
        assert (calls("client_error"), calls("ok")) == (1.0, 0.0)
        empty = await client.request("DELETE", "/empty")
        assert (empty.status, empty.ok, empty.body, empty.content) == (204, True, None, b"")
        raw = await client.request("GET", "/fine", decode=False)
        assert raw.body is None and json.loads(raw.content) == {"ok": True, "auth": None}
        assert calls("ok") == 2.0
        labels = {"service_name": service, "dependency": "flaky", "outcome": "ok"}
        spent = REGISTRY.get_sample_value("mercado_dependency_request_duration_seconds_sum", labels)
        assert spent is not None and 0 < spent < 30  # seconds these two loopback calls took
