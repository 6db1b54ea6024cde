"""FastAPI dependencies giving routes the service runtime."""

from __future__ import annotations

from fastapi import Request

from mercado_toolkit.runtime import Runtime


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt
