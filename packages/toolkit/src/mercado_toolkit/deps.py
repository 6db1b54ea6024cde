"""FastAPI dependencies giving routes the service runtime."""

from __future__ import annotations

from fastapi import Request

from mercado_toolkit.runtime import Runtime


async def runtime(request: Request) -> Runtime:
    """Async, so FastAPI calls it on the event loop rather than in its thread pool."""
    rt: Runtime = request.app.state.runtime
    return rt
