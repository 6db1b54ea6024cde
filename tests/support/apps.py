"""Services in-process (ASGI) with their real lifespan, database and NATS."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pydantic_settings import BaseSettings

from mercado_cli.services import dev_secrets

ADMIN = {"Authorization": "Bearer admin-dev-token"}
ORDERS = {"Authorization": "Bearer orders-dev-token"}
GATEWAY = {"Authorization": "Bearer gateway-dev-token"}

S = TypeVar("S", bound=BaseSettings)


def dev_settings(cls: type[S], service: str, **values: Any) -> S:
    """``cls(**values)`` with the development tokens local mode gives ``service`` (no
    service has a default for a secret)."""
    secrets = dev_secrets(service)
    saved = {k: os.environ.get(k) for k in secrets}
    os.environ.update(secrets)
    try:
        return cls(**values)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


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
