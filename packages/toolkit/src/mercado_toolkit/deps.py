"""FastAPI dependencies giving routes the service runtime (each service's ``api/deps.py``
builds its typed dependencies on these)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from mercado_toolkit.runtime import BaseRuntime, Runtime


async def runtime(request: Request) -> Runtime:
    """Async, so FastAPI calls it on the event loop rather than in its thread pool."""
    rt: Runtime = request.app.state.runtime
    return rt


def base_runtime(request: Request) -> BaseRuntime:
    rt: BaseRuntime = request.app.state.runtime
    return rt


Rt = Annotated[Runtime, Depends(runtime)]
