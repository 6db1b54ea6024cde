"""Cached pages answered before routing.

A page is in the cache only after its route answered the very same request line with a 200
(the same path, the same query string), so a hit needs none of the route's work again:
no routing, no parameter parsing or validation, no dependencies. This middleware sends the
cached bytes (or a bodiless 304 for a browser's current copy) straight away; anything else
(a miss, another path or method, a service not started yet) goes on to the application as
before. Profiling the list page under load showed that work, not the database, to be most
of what a cached read cost.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from mercado_catalog.api.cached import page_cache


@dataclass(frozen=True)
class _Template:
    """What the metrics middleware reads from ``scope["route"]``: the route template."""

    path: str


LIST = _Template("/products")
PRODUCT = _Template("/products/{product_id}")


def cache_key(path: str, query: bytes) -> tuple[str, _Template] | None:
    """The page cache's key for a GET of ``path`` (the same keys the routes use)."""
    if path == "/products":
        return "products?" + query.decode("latin-1"), LIST
    if path.startswith("/products/"):
        product_id = path[len("/products/") :]
        if product_id and "/" not in product_id and len(product_id) <= 64:
            return "product/" + product_id, PRODUCT
    return None


class CachedPagesMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        found = cache_key(scope["path"], scope["query_string"])
        rt = getattr(scope["app"].state, "runtime", None) if found else None
        hit = page_cache(rt).get(found[0]) if rt is not None and found else None
        if hit is None or found is None:
            await self.app(scope, receive, send)
            return
        body, etag = hit
        scope["route"] = found[1]
        headers = [(b"etag", etag.encode()), (b"cache-control", b"no-cache")]
        if _matches(scope, etag):
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers += [
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"application/json"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def _matches(scope: Scope, etag: str) -> bool:
    """Whether the request's ``If-None-Match`` names ``etag`` (as the routes check it)."""
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return etag in value.decode("latin-1")
    return False
