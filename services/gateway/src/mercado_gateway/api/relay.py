"""Turns a backend's reply (or its absence) into the gateway's response."""

from __future__ import annotations

import logging
from collections.abc import Awaitable

from fastapi.responses import JSONResponse, Response

from mercado_gateway.domain.routing import public_status
from mercado_toolkit.errors import AppError, error_body
from mercado_toolkit.http_client import DependencyUnavailable, Reply, unavailable_error

log = logging.getLogger("mercado.gateway")


async def relay(call: Awaitable[Reply], dependency: str) -> Response:
    """Awaits a backend call and answers with its status and JSON body, passing the bytes
    through as they came (the gateway never needs to look inside).

    A backend that does not answer (down, timing out, breaker open) becomes a 503
    ``dependency_unavailable`` naming it, so a page can say what is unavailable.
    """
    try:
        reply = await call
    except DependencyUnavailable as exc:
        log.warning("%s unavailable: %s", exc.dependency, exc.reason)
        raise unavailable_error(exc) from exc
    status = public_status(reply.status)
    if status != reply.status:
        log.error("%s refused the gateway's credentials (HTTP %s)", dependency, reply.status)
        raise AppError(502, "bad_gateway", f"{dependency} refused the request; try again later")
    if not reply.content:
        return JSONResponse(error_body("bad_gateway", f"{dependency} sent no body"), 502)
    return Response(reply.content, status_code=status, media_type="application/json")
