"""Read routes answered from the page cache, with ETags: a browser revalidates every time
(``Cache-Control: no-cache``) and gets a bodiless 304 while its copy is current."""

from __future__ import annotations

from fastapi import Request, Response
from pydantic import TypeAdapter

from mercado_catalog.api.schemas import Product
from mercado_catalog.store.page_cache import PageCache
from mercado_toolkit.pagination import Page
from mercado_toolkit.runtime import Runtime

PAGE = TypeAdapter(Page[Product])
PRODUCT = TypeAdapter(Product)


def page_cache(rt: Runtime) -> PageCache:
    ttl = float(getattr(rt.settings, "page_cache_seconds", 1.0))
    return rt.part(PageCache, lambda: PageCache(ttl))


def send(request: Request, body: bytes, etag: str) -> Response:
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
