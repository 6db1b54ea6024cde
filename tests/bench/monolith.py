"""The monolith baseline for checkout: the services' own code composed in one process.

    python -m tests.bench.monolith --root DIR --nats URL --ports catalog=P,inventory=P,...

catalog, inventory, bank, payment and orders run in one Python process and one event loop.
Their calls to each other go in-process (straight into the callee's ASGI app, no socket, no
other process) instead of over HTTP; each keeps its own SQLite database, and events still
go through the outbox to NATS, as the checkout needs none of them to finish. Each app is
also served on a loopback port so the bench drives it exactly as it drives the services.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import uvicorn
from fastapi import FastAPI

import mercado_toolkit.runtime
from mercado_cli.services import dev_secrets

NAMES = ("catalog", "inventory", "bank", "payment", "orders")


class _Reply:
    def __init__(self, response: httpx.Response) -> None:
        self.status = response.status_code
        self._body = response.content

    async def read(self) -> bytes:
        return self._body

    async def json(self, content_type: str | None = None) -> Any:
        return httpx.Response(200, content=self._body).json()


class InProcessSession:
    """Enough of aiohttp's ``ClientSession`` for ``ServiceClient``: each request goes
    straight into the ASGI app named by the URL's host."""

    def __init__(self, apps: Mapping[str, FastAPI]) -> None:
        self.clients = {
            host: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app")
            for host, app in apps.items()
        }

    @contextlib.asynccontextmanager
    async def request(
        self, method: str, url: str, *, timeout: Any = None, **kwargs: Any
    ) -> AsyncIterator[_Reply]:
        parts = urlsplit(url)
        client = self.clients[parts.hostname or ""]
        limit = getattr(timeout, "total", None)
        async with asyncio.timeout(limit):
            response = await client.request(method, parts.path, **kwargs)
        yield _Reply(response)

    async def close(self) -> None:
        for client in self.clients.values():
            await client.aclose()


def _environment(root: Path, nats: str, ports: Mapping[str, int]) -> None:
    for name in NAMES:
        prefix = f"MERCADO_{name.upper()}_"
        os.environ[prefix + "DATABASE_URL"] = f"sqlite+aiosqlite:///{root / (name + '.db')}"
        os.environ[prefix + "NATS_URL"] = nats
        os.environ[prefix + "PORT"] = str(ports[name])
        os.environ[prefix + "LOG_LEVEL"] = "WARNING"
    for dependency in ("catalog", "inventory", "payment"):
        os.environ[f"MERCADO_ORDERS_{dependency.upper()}__URL"] = f"http://{dependency}"
    os.environ["MERCADO_PAYMENT_BANK__URL"] = "http://bank"
    for name in NAMES:  # local mode's development tokens
        os.environ.update(dev_secrets(name))


def create_apps() -> dict[str, FastAPI]:
    from mercado_bank.app import create_app as bank
    from mercado_catalog.app import create_app as catalog
    from mercado_inventory.app import create_app as inventory
    from mercado_orders.app import create_app as orders
    from mercado_payment.app import create_app as payment

    return {
        "catalog": catalog(),
        "inventory": inventory(),
        "bank": bank(),
        "payment": payment(),
        "orders": orders(),
    }


async def serve_all(apps: Mapping[str, FastAPI], ports: Mapping[str, int]) -> None:
    servers = [
        uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=ports[name], log_config=None, access_log=False
            )
        )
        for name, app in apps.items()
    ]
    # One after another: Alembic's migration context is global to the process.
    tasks = []
    for server in servers:
        tasks.append(asyncio.create_task(server.serve()))
        while not server.started and not tasks[-1].done():
            await asyncio.sleep(0.05)
    await asyncio.gather(*tasks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--nats", required=True)
    parser.add_argument("--ports", required=True, help="name=port,...")
    args = parser.parse_args()
    ports = {k: int(v) for k, v in (p.split("=") for p in args.ports.split(","))}
    _environment(args.root, args.nats, ports)
    apps = create_apps()
    session = InProcessSession(apps)
    # Every runtime's HTTP session becomes the in-process one.
    mercado_toolkit.runtime.new_session = lambda limit=100: session  # type: ignore[assignment]
    asyncio.run(serve_all(apps, ports))


if __name__ == "__main__":
    main()
