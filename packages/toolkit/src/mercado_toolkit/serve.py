"""Runs a service application with uvicorn on the host and port from its settings."""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI

from mercado_toolkit.limits import header_timeout_protocol
from mercado_toolkit.settings import ServiceSettings


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        http=header_timeout_protocol(settings.header_timeout_seconds),
    )
