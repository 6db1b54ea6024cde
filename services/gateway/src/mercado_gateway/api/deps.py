"""FastAPI dependencies of the gateway's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from mercado_gateway.clients.backends import Backends
from mercado_gateway.settings import GatewaySettings
from mercado_toolkit.deps import base_runtime


async def backends(request: Request) -> Backends:
    """The backend clients, made once per process (their breakers keep state).

    Async so it runs on the event loop, where the aiohttp session must be made.
    """
    rt = base_runtime(request)
    settings: GatewaySettings = request.app.state.settings
    return rt.part(Backends, lambda: Backends(settings, rt.http))


BackendsDep = Annotated[Backends, Depends(backends)]
