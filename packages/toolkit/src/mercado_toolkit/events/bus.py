"""The NATS connection and the JetStream stream every Mercado event goes to."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import BadRequestError

from mercado_toolkit.events.envelope import SUBJECT_PREFIX
from mercado_toolkit.tasks import stop_task

log = logging.getLogger("mercado.events")

DUPLICATE_WINDOW_SECONDS = 600.0
MAX_AGE_SECONDS = 7 * 24 * 3600.0


class Bus:
    """Keeps one connection to NATS, reconnecting forever; the service never blocks on it.

    ``ready`` is set once connected and the stream exists; the outbox relay and the
    consumers wait for it, so a service starts and serves HTTP even while NATS is down.
    """

    def __init__(self, url: str, stream: str, name: str) -> None:
        self.url = url
        self.stream = stream
        self.name = name
        self.nc: Client | None = None
        self.js: JetStreamContext | None = None
        self.ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._connect_loop(), name="nats-connect")

    async def _connect_loop(self) -> None:
        delay = 0.2
        while True:
            try:
                nc = await nats.connect(
                    self.url,
                    name=self.name,
                    connect_timeout=2,
                    allow_reconnect=True,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    error_cb=self._on_error,
                )
                self.nc = nc
                self.js = nc.jetstream(timeout=5)
                await self.ensure_stream()
                self.ready.set()
                log.info("connected to NATS at %s", self.url)
                return
            except Exception as exc:
                log.warning("NATS not reachable at %s (%s); retrying", self.url, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _on_error(self, exc: Exception) -> None:
        log.debug("NATS client error: %s", exc)

    async def ensure_stream(self) -> None:
        assert self.js is not None
        config = StreamConfig(
            name=self.stream,
            subjects=[f"{SUBJECT_PREFIX}.>"],
            storage=StorageType.FILE,
            duplicate_window=DUPLICATE_WINDOW_SECONDS,
            max_age=MAX_AGE_SECONDS,
        )
        try:
            await self.js.add_stream(config)
        except BadRequestError:
            await self.js.update_stream(config)

    async def ping(self) -> None:
        """The readiness check: connected, and the stream exists (a service answering
        ready before it has the stream could be sent events that no stream stores)."""
        if self.nc is None or not self.nc.is_connected:
            raise ConnectionError("not connected to NATS")
        if not self.ready.is_set():
            raise ConnectionError(f"NATS stream {self.stream} not set up yet")
        await self.nc.flush(timeout=1)

    async def close(self) -> None:
        await stop_task(self._task)
        if self.nc is not None and not self.nc.is_closed:
            try:
                await asyncio.wait_for(self.nc.drain(), timeout=5)
            except Exception:
                log.warning("NATS connection did not drain in time; closing it")
                with contextlib.suppress(Exception):
                    await self.nc.close()
