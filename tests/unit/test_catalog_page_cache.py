"""The catalog's page cache: concurrent misses share one read, a change is never served
from a read that started before it, errors reach every waiting request."""

from __future__ import annotations

import asyncio

import pytest

from mercado_catalog.store.page_cache import PageCache

pytestmark = pytest.mark.asyncio(loop_scope="session")


class Reader:
    """A page read that waits until released, counting how often it ran."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.calls = 0
        self.release = asyncio.Event()

    async def __call__(self) -> bytes:
        self.calls += 1
        await self.release.wait()
        return self.body


async def test_concurrent_misses_share_one_read() -> None:
    cache = PageCache(ttl=60)
    reader = Reader(b'{"items": []}')
    waiting = [asyncio.create_task(cache.fill("products?", reader)) for _ in range(20)]
    await asyncio.sleep(0)
    reader.release.set()
    pages = await asyncio.gather(*waiting)
    assert reader.calls == 1
    assert {page for page in pages} == {pages[0]} and pages[0][0] == b'{"items": []}'
    # Now cached: no read at all.
    assert await cache.fill("products?", reader) == pages[0] and reader.calls == 1


async def test_a_read_started_before_a_change_is_not_shared_after_it() -> None:
    cache = PageCache(ttl=60)
    old, new = Reader(b"old price"), Reader(b"new price")
    before = asyncio.create_task(cache.fill("product/1", old))
    await asyncio.sleep(0)
    cache.invalidate()  # the price changed while the first read ran
    after = asyncio.create_task(cache.fill("product/1", new))
    await asyncio.sleep(0)
    old.release.set()
    new.release.set()
    assert (await before)[0] == b"old price"  # it began before the change
    assert (await after)[0] == b"new price"
    assert (await cache.fill("product/1", old))[0] == b"new price"  # the old read was not kept


async def test_an_error_reaches_every_waiting_request_and_is_not_cached() -> None:
    cache = PageCache(ttl=60)
    release = asyncio.Event()

    async def missing() -> bytes:
        await release.wait()
        raise LookupError("no such product")

    waiting = [asyncio.create_task(cache.fill("product/x", missing)) for _ in range(3)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*waiting, return_exceptions=True)
    assert all(isinstance(r, LookupError) for r in results)
    assert cache.get("product/x") is None


async def test_without_a_cache_every_request_reads() -> None:
    cache = PageCache(ttl=0)
    reader = Reader(b"page")
    reader.release.set()
    await asyncio.gather(*(cache.fill("products?", reader) for _ in range(5)))
    assert reader.calls == 5
