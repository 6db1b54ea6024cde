"""FastAPI dependencies of the gateway's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from mercado_gateway.clients.backends import Backends
from mercado_gateway.settings import GatewaySettings
from mercado_toolkit.runtime import BaseRuntime


async def backends(request: Request) -> Backends:
    """The backend clients, made once per process (their breakers keep state).

    Async so it runs on the event loop, where the aiohttp session must be made.
    """
    rt: BaseRuntime = request.app.state.runtime
    found = rt.extras.get("backends")
    if found is None:
        settings: GatewaySettings = request.app.state.settings
        found = rt.extras["backends"] = Backends(settings, rt.http)
    assert isinstance(found, Backends)
    return found


BackendsDep = Annotated[Backends, Depends(backends)]
