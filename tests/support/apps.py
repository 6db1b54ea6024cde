"""Services in-process (ASGI) with their real lifespan, database and NATS."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

ADMIN = {"Authorization": "Bearer admin-dev-token"}
ORDERS = {"Authorization": "Bearer orders-dev-token"}
GATEWAY = {"Authorization": "Bearer gateway-dev-token"}


@asynccontextmanager
async def serve_in_process(app: FastAPI, base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
            for _ in range(600):  # until its database and NATS answer (the stream exists)
                if (await client.get("/readyz")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            yield client
