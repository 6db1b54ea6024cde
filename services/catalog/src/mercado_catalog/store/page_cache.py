"""Encoded catalog pages kept in memory until the data under them changes.

Product pages are read far more often than they change. A page is served from here until
the catalog changes: this process clears it after committing a product write, and every
replica clears it when the catalog's product events or inventory's stock changes arrive.
A generation number keeps a read that raced a write from storing what it read before the
write. Entries also expire after ``ttl`` seconds, which bounds how long a replica that
missed an event (NATS down) can be behind.

Concurrent misses of one page share one read (``fill``): when a page expires under load,
one query refills it instead of one per waiting request (each holding a pooled connection).
A read under way when the cache is cleared is not shared with requests arriving after it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from hashlib import blake2b


class PageCache:
    def __init__(self, ttl: float = 1.0, max_entries: int = 1024) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.generation = 0
        self._pages: dict[str, tuple[float, bytes, str]] = {}
        self._reading: dict[str, asyncio.Future[tuple[bytes, str]]] = {}

    def get(self, key: str) -> tuple[bytes, str] | None:
        """The page's bytes and ETag, if cached and fresh."""
        found = self._pages.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1], found[2]

    def put(self, key: str, generation: int, body: bytes) -> str:
        """Keeps ``body`` if nothing changed since ``generation`` was read; returns its
        ETag either way."""
        etag = '"' + blake2b(body, digest_size=12).hexdigest() + '"'
        if generation == self.generation and self.ttl > 0:
            if len(self._pages) >= self.max_entries:
                self._pages.clear()
            self._pages[key] = (time.monotonic() + self.ttl, body, etag)
        return etag

    async def fill(self, key: str, read: Callable[[], Awaitable[bytes]]) -> tuple[bytes, str]:
        """The cached page, or ``read()``'s, shared with every request that misses the same
        page while that read runs (its error too, such as a 404)."""
        hit = self.get(key)
        if hit is not None:
            return hit
        if self.ttl <= 0:  # no cache: every request reads for itself
            body = await read()
            return body, self.put(key, self.generation, body)
        reading = self._reading.get(key)
        if reading is None:
            reading = asyncio.ensure_future(self._read(key, self.generation, read))
            self._reading[key] = reading
        return await asyncio.shield(reading)

    async def _read(
        self, key: str, generation: int, read: Callable[[], Awaitable[bytes]]
    ) -> tuple[bytes, str]:
        try:
            body = await read()
        finally:
            if self._reading.get(key) is asyncio.current_task():
                del self._reading[key]
        return body, self.put(key, generation, body)

    def invalidate(self) -> None:
        self.generation += 1
        self._pages.clear()
        self._reading.clear()
