"""Services in-process (ASGI) with their real lifespan, database and NATS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

ADMIN = {"Authorization": "Bearer admin-dev-token"}
ORDERS = {"Authorization": "Bearer orders-dev-token"}


@asynccontextmanager
async def serve_in_process(app: FastAPI, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            yield client
