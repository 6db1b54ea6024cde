"""What a client may send: a bounded body (413), read within a time limit (408), and
headers within a time limit (the connection is closed)."""

from __future__ import annotations

import asyncio
import contextlib

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mercado_toolkit.errors import error_body

# Request bodies of every service are small JSON documents.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
DEFAULT_BODY_TIMEOUT_SECONDS = 10.0
DEFAULT_HEADER_TIMEOUT_SECONDS = 10.0


class RequestLimitsMiddleware:
    """Refuses a body over ``max_body`` bytes with the JSON 413 (at once when its
    ``Content-Length`` says so, else as soon as the count passes it), and answers 408 when a
    client stops sending its body: each chunk must arrive within ``timeout`` seconds."""

    def __init__(
        self,
        app: ASGIApp,
        max_body: int = DEFAULT_MAX_BODY_BYTES,
        timeout: float = DEFAULT_BODY_TIMEOUT_SECONDS,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            response = JSONResponse(
                error_body(
                    "payload_too_large",
                    f"the request body is larger than {self.max_body} bytes",
                ),
                status_code=413,
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
            return
        complete = False
        size = 0

        async def timed_receive() -> Message:
            nonlocal complete, size
            if complete:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.timeout)
            except TimeoutError:
                raise HTTPException(
                    408, f"the request body did not arrive within {self.timeout:g}s"
                ) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True
            size += len(message.get("body", b""))
            if size > self.max_body:
                raise HTTPException(413, f"the request body is larger than {self.max_body} bytes")
            return message

        await self.app(scope, timed_receive, send)


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol closing a connection whose request line and headers do not
    arrive within ``header_timeout`` seconds of the connection or of the request's first
    byte (the keep-alive timeout only covers idle connections between requests)."""

    header_timeout: float = DEFAULT_HEADER_TIMEOUT_SECONDS

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        if getattr(self, "_header_timer", None) is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _disarm_header_timer(self) -> None:
        timer = getattr(self, "_header_timer", None)
        if timer is not None:
            timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        with contextlib.suppress(Exception):
            if not self.transport.is_closing():
                self.transport.close()

    def on_message_begin(self) -> None:
        self._arm_header_timer()
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self._disarm_header_timer()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)


def header_timeout_protocol(timeout: float) -> type[HeaderTimeoutProtocol]:
    """A protocol class for uvicorn's ``http=`` with this header timeout."""
    return type("HeaderTimeoutProtocol", (HeaderTimeoutProtocol,), {"header_timeout": timeout})
