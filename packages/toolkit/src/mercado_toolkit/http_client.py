"""Calls to other services: aiohttp with timeouts, retries, a breaker and trace context.

Every dependency gets one :class:`ServiceClient`. Retries (tenacity) apply only to calls the
caller marks idempotent; a circuit breaker per dependency fails fast while the dependency is
down. OpenTelemetry's aiohttp-client instrumentation makes each request's client span and
injects ``traceparent`` (see :mod:`mercado_toolkit.tracing`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from json import loads
from typing import Any

import aiohttp
from circuitbreaker import CircuitBreaker
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from mercado_toolkit.errors import AppError
from mercado_toolkit.metrics import BREAKER_STATE, DEPENDENCY_ERRORS, DEPENDENCY_LATENCY
from mercado_toolkit.settings import Dependency

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


class DependencyUnavailable(Exception):
    """The dependency did not answer (connection error, timeout, 5xx, or breaker open)."""

    def __init__(self, dependency: str, reason: str) -> None:
        super().__init__(f"{dependency} unavailable: {reason}")
        self.dependency = dependency
        self.reason = reason


class _ServerError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


@dataclass(frozen=True)
class Reply:
    """A dependency's answer: its status, its JSON body decoded (``None`` when empty or
    when the caller asked for the bytes only) and the bytes as received."""

    status: int
    body: Any
    content: bytes = b""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class ServiceClient:
    def __init__(
        self,
        service: str,
        dependency: str,
        base_url: str,
        session: aiohttp.ClientSession,
        *,
        token: str | None,
        timeout: float,
        attempts: int,
        breaker_failures: int,
        breaker_recovery: float,
    ) -> None:
        """Services build theirs with :meth:`to`, from their settings, where the defaults
        live (:class:`~mercado_toolkit.settings.Dependency`)."""
        self.service = service
        self.dependency = dependency
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.attempts = attempts
        self.breaker = CircuitBreaker(
            failure_threshold=breaker_failures,
            recovery_timeout=breaker_recovery,
            expected_exception=DependencyUnavailable,
            name=f"{service}->{dependency}",
        )
        BREAKER_STATE.labels(service, dependency).set(0)

    @classmethod
    def to(
        cls, service: str, name: str, dep: Dependency, session: aiohttp.ClientSession
    ) -> ServiceClient:
        """A client of dependency ``name`` as ``service``'s settings describe it."""
        return cls(
            service,
            name,
            dep.url,
            session,
            token=dep.token_value(),
            timeout=dep.timeout_seconds,
            attempts=dep.attempts,
            breaker_failures=dep.breaker_failures,
            breaker_recovery=dep.breaker_recovery_seconds,
        )

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        idempotent: bool | None = None,
        decode: bool = True,
    ) -> Reply:
        """Sends one request; returns any 2xx/4xx reply, raises DependencyUnavailable else.

        ``decode=False`` leaves the body undecoded (``Reply.content``), for a caller that
        passes it on as it came.
        """
        retry = method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent
        attempts = self.attempts if retry else 1
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(attempts),
                wait=wait_exponential_jitter(multiplier=0.05, max=1.0),
                retry=retry_if_exception_type(DependencyUnavailable),
                reraise=True,
            ):
                with attempt:
                    return await self._guarded(method, path, json, params, headers, decode)
        finally:
            BREAKER_STATE.labels(self.service, self.dependency).set(int(self.breaker.opened))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _guarded(
        self,
        method: str,
        path: str,
        json: Any,
        params: dict[str, Any] | None,
        headers: dict[str, str] | None,
        decode: bool,
    ) -> Reply:
        # circuitbreaker's call_async counts outcomes but does not refuse calls while open
        # (only its decorator does), so the open state is checked here.
        if self.breaker.opened:
            DEPENDENCY_ERRORS.labels(self.service, self.dependency, "breaker_open").inc()
            raise DependencyUnavailable(self.dependency, "circuit open")
        reply: Reply = await self.breaker.call_async(
            self._send, method, path, json, params, headers, decode
        )
        return reply

    async def _send(
        self,
        method: str,
        path: str,
        json: Any,
        params: dict[str, Any] | None,
        headers: dict[str, str] | None,
        decode: bool,
    ) -> Reply:
        hdrs = dict(headers or {})
        if self.token:
            hdrs["Authorization"] = f"Bearer {self.token}"
        start = time.perf_counter()
        outcome = "error"
        try:
            async with self.session.request(
                method,
                self.base_url + path,
                json=json,
                params=params,
                headers=hdrs,
                timeout=self.timeout,
            ) as resp:
                content = await resp.read()
                if resp.status >= 500:
                    outcome = "server_error"
                    raise _ServerError(resp.status)
                body = loads(content) if content and decode else None
                outcome = "ok" if resp.status < 400 else "client_error"
                return Reply(resp.status, body, content)
        except TimeoutError as exc:
            outcome = "timeout"
            DEPENDENCY_ERRORS.labels(self.service, self.dependency, "timeout").inc()
            raise DependencyUnavailable(self.dependency, "timeout") from exc
        except aiohttp.ClientError as exc:
            DEPENDENCY_ERRORS.labels(self.service, self.dependency, "connection").inc()
            raise DependencyUnavailable(self.dependency, type(exc).__name__) from exc
        except _ServerError as exc:
            DEPENDENCY_ERRORS.labels(self.service, self.dependency, "server_error").inc()
            raise DependencyUnavailable(self.dependency, str(exc)) from exc
        except ValueError as exc:
            DEPENDENCY_ERRORS.labels(self.service, self.dependency, "bad_body").inc()
            raise DependencyUnavailable(self.dependency, "invalid JSON reply") from exc
        finally:
            DEPENDENCY_LATENCY.labels(self.service, self.dependency, outcome).observe(
                time.perf_counter() - start
            )


def new_session(limit: int = 100) -> aiohttp.ClientSession:
    """One pooled aiohttp session per process, shared by its ServiceClients."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit))


def unavailable_error(exc: DependencyUnavailable) -> AppError:
    return AppError(
        503, "dependency_unavailable", f"{exc.dependency} is unavailable, try again shortly"
    )
