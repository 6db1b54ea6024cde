"""Bearer-token checks for admin and service-to-service endpoints."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Iterable

from fastapi import Request

from mercado_toolkit.errors import AppError


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return token.strip()


def same_token(given: str, expected: str) -> bool:
    """Constant-time comparison for any input: a non-ASCII token is compared as UTF-8
    bytes (``compare_digest`` refuses non-ASCII ``str``) and simply does not match."""
    return hmac.compare_digest(
        given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape")
    )


def require_token(
    get_tokens: Callable[[Request], Iterable[str]],
) -> Callable[[Request], Awaitable[None]]:
    """A FastAPI dependency accepting any of the tokens ``get_tokens`` returns (async: it
    runs on the event loop, not in FastAPI's thread pool)."""

    async def check(request: Request) -> None:
        token = bearer_token(request)
        if token is None:
            raise AppError(401, "unauthorized", "missing bearer token")
        if not any(same_token(token, t) for t in get_tokens(request) if t):
            raise AppError(403, "forbidden", "token not allowed for this endpoint")

    return check


async def require_admin(request: Request) -> None:
    """Dependency: the admin token from the service settings."""
    settings = request.app.state.settings
    await require_token(lambda _: [settings.admin_token.get_secret_value()])(request)
