"""A stand-in HTTP server for client tests: every method and path goes to one handler."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import aiohttp
from aiohttp import web

from mercado_toolkit.http_client import ServiceClient
from mercado_toolkit.settings import Dependency


@asynccontextmanager
async def serve(
    handle: Callable[[web.Request], Awaitable[web.StreamResponse]],
) -> AsyncIterator[str]:
    """Serves ``handle`` on a free loopback port; yields the base URL."""
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def client_of(
    url: str,
    http: aiohttp.ClientSession,
    dependency: str = "stub",
    service: str = "test",
    **settings: object,
) -> ServiceClient:
    """A client of ``url`` built as services build theirs: from ``Dependency`` settings
    (their defaults, with ``settings`` changed: token, timeout_seconds, attempts, ...)."""
    return ServiceClient.to(service, dependency, Dependency(url=url, **settings), http)  # type: ignore[arg-type]
