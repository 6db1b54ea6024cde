"""What a running service holds: database, event bus, outbox relay and HTTP session."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiohttp
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from mercado_toolkit.db import (
    create_engine,
    read_only_engine,
    read_only_factory,
    session_factory,
)
from mercado_toolkit.events.bus import Bus
from mercado_toolkit.events.outbox import WROTE_EVENTS, Outbox
from mercado_toolkit.events.relay import OutboxRelay
from mercado_toolkit.http_client import new_session
from mercado_toolkit.settings import ServiceSettings
from mercado_toolkit.tracing import instrument_engine

T = TypeVar("T")


class BaseRuntime:
    """What every service holds, a stateless one too: settings, HTTP session, and the
    service's own long-lived objects (its parts), one per type."""

    def __init__(self, name: str, settings: ServiceSettings) -> None:
        self.name = name
        self.settings = settings
        self._http: aiohttp.ClientSession | None = None
        self._parts: dict[type[Any], Any] = {}

    def provide(self, part: object) -> None:
        """Holds ``part`` for :meth:`part` (a service's FastAPI dependencies read it)."""
        self._parts[type(part)] = part

    def part(self, kind: type[T], factory: Callable[[], T] | None = None) -> T:
        """The part of type ``kind``; made by ``factory`` on first use when given."""
        found = self._parts.get(kind)
        if found is None and factory is not None:
            found = factory()
            self.provide(found)
        if not isinstance(found, kind):
            raise LookupError(f"{self.name} holds no {kind.__name__}")
        return found

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = new_session()
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()


class Runtime(BaseRuntime):
    """A service with its own database, outbox and event bus."""

    def __init__(self, name: str, settings: ServiceSettings, metadata: MetaData) -> None:
        super().__init__(name, settings)
        self.engine = create_engine(settings.database_url, settings.database_pool_size)
        instrument_engine(self.engine)
        self._read_engine = read_only_engine(self.engine)
        self.sessions = session_factory(self.engine)
        # For reads that write nothing: no database lock on SQLite.
        self.reader = read_only_factory(self.engine)
        self.bus = Bus(settings.nats_url, settings.nats_stream, name)
        self.outbox = Outbox(metadata.tables["outbox"], name)
        self.relay = OutboxRelay(
            self.bus,
            self.sessions,
            metadata.tables["outbox"],
            name,
            settings.relay_interval_seconds,
            self.reader,
        )
        self.processed_events = metadata.tables["processed_events"]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One transaction; once it has committed, the relay is woken if it wrote events."""
        async with self.sessions() as session:
            async with session.begin():
                yield session
            if session.info.get(WROTE_EVENTS):
                self.relay.notify()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads: no ORM session, no lock on SQLite; rolled back once."""
        async with self._read_engine.connect() as conn:
            yield conn

    async def close(self) -> None:
        await self.relay.close()
        await self.bus.close()
        await super().close()
        await self.engine.dispose()
