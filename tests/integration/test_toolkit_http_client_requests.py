"""What the service HTTP client sends, against a real aiohttp server on loopback: the JSON
body, the query and the caller's headers arrive as given, and an explicit ``idempotent``
decides retries both ways (a POST under an Idempotency-Key may be retried; a GET marked
non-idempotent is not); a client built from a service's settings uses their URL, token,
attempts and breaker."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from mercado_toolkit.http_client import DependencyUnavailable, ServiceClient
from mercado_toolkit.settings import Dependency
from tests.support.aiohttp_stub import client_of, serve

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Recorder:
    """Answers 503 ``failures`` times, then 200; records every request it received."""

    def __init__(self) -> None:
        self.failures = 0
        self.seen: list[dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.seen.append(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "body": json.loads(raw) if raw else None,
                "key": request.headers.get("Idempotency-Key"),
                "auth": request.headers.get("Authorization"),
            }
        )
        if self.failures > 0:
            self.failures -= 1
            return web.json_response({"error": {"code": "unavailable"}}, status=503)
        return web.json_response({"ok": True})


@pytest.fixture
async def server() -> AsyncIterator[tuple[Recorder, str]]:
    state = Recorder()
    async with serve(state.handle) as url:
        yield state, url


async def test_body_query_and_headers_arrive_as_given(server) -> None:
    state, url = server
    async with aiohttp.ClientSession() as http:
        client = client_of(url, http, "recorder")
        reply = await client.request(
            "POST",
            "/payments",
            json={"order_id": "o-1", "amount": 1999},
            params={"expand": "lines"},
            headers={"Idempotency-Key": "order:o-1"},
        )
    assert reply.status == 200
    assert state.seen == [
        {
            "method": "POST",
            "path": "/payments",
            "query": {"expand": "lines"},
            "body": {"order_id": "o-1", "amount": 1999},
            "key": "order:o-1",
            "auth": None,
        }
    ]


async def test_an_explicit_idempotent_flag_decides_retries(server) -> None:
    state, url = server
    async with aiohttp.ClientSession() as http:
        client = client_of(url, http, "recorder", attempts=3)
        state.failures = 2
        reply = await client.request(
            "POST", "/charge", json={}, headers={"Idempotency-Key": "k"}, idempotent=True
        )
        assert reply.status == 200
        assert [s["key"] for s in state.seen] == ["k", "k", "k"]  # the same key each time

        state.seen.clear()
        state.failures = 1
        with pytest.raises(DependencyUnavailable):
            await client.request("GET", "/once", idempotent=False)
        assert len(state.seen) == 1


async def test_a_client_from_settings_uses_their_token_attempts_and_breaker(server) -> None:
    state, url = server
    dep = Dependency(
        url=url + "/", token="s3cret", attempts=2, breaker_failures=2, breaker_recovery_seconds=60
    )
    async with aiohttp.ClientSession() as http:
        client = ServiceClient.to("orders", "recorder", dep, http)
        state.failures = 5
        with pytest.raises(DependencyUnavailable):
            await client.request("GET", "/stock")
        assert [(s["path"], s["auth"]) for s in state.seen] == [("/stock", "Bearer s3cret")] * 2
        # Two failures opened the breaker: the next call is refused without a request.
        with pytest.raises(DependencyUnavailable):
            await client.request("GET", "/stock")
        assert len(state.seen) == 2
