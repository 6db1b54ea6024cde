"""The storefront web page: one HTML document for every page path; assets under /static."""

from __future__ import annotations

from functools import cache
from pathlib import Path as FsPath
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse

from mercado_gateway.domain.routing import ID_PATTERN

STATIC_DIR = FsPath(__file__).resolve().parent.parent / "static"

# Everything the page loads comes from the gateway itself; product images (content, not
# assets) may come from elsewhere and fall back to a drawn placeholder.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-cache",
}

router = APIRouter(tags=["storefront"], include_in_schema=False)

PageId = Annotated[str, Path(pattern=ID_PATTERN)]


@cache
def _index() -> str:
    return (STATIC_DIR / "index.html").read_text("utf-8")


def _page() -> HTMLResponse:
    return HTMLResponse(_index(), headers=PAGE_HEADERS)


@router.get("/")
async def home() -> HTMLResponse:
    return _page()


@router.get("/cart")
async def cart() -> HTMLResponse:
    return _page()


@router.get("/checkout")
async def checkout() -> HTMLResponse:
    return _page()


@router.get("/orders")
async def orders() -> HTMLResponse:
    return _page()


@router.get("/products/{product_id}")
async def product(product_id: PageId) -> HTMLResponse:
    return _page()


@router.get("/orders/{order_id}")
async def order(order_id: PageId) -> HTMLResponse:
    return _page()
