"""The service application factory shared by every Mercado service."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from sqlalchemy import MetaData
from starlette.types import ASGIApp

from mercado_toolkit.db import ping
from mercado_toolkit.errors import install_error_handlers
from mercado_toolkit.events.consumer import Consumer, Subscription
from mercado_toolkit.health import health_router
from mercado_toolkit.http_metrics import PrometheusMiddleware, metrics_router
from mercado_toolkit.limits import RequestLimitsMiddleware
from mercado_toolkit.logs import configure_logging
from mercado_toolkit.migrations import upgrade
from mercado_toolkit.openapi import install_openapi
from mercado_toolkit.runtime import BaseRuntime, Runtime
from mercado_toolkit.settings import ServiceSettings
from mercado_toolkit.tasks import stop_task
from mercado_toolkit.tracing import ServerSpanMiddleware, configure_tracing, tracing_enabled

log = logging.getLogger("mercado.app")

Hook = Callable[[Runtime], Awaitable[None]]
Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


@dataclass
class ServiceSpec:
    """A service. ``metadata=None`` (and ``migrations=None``) makes it stateless: no
    database, outbox or NATS; it takes no subscriptions, hooks or loops, and is ready
    as soon as it has started."""

    name: str
    title: str
    settings: ServiceSettings
    metadata: MetaData | None
    migrations: Path | None
    routers: Sequence[APIRouter]
    subscriptions: Sequence[Subscription[Any]] = ()
    on_start: Sequence[Hook] = ()
    loops: Sequence[Hook] = field(default_factory=tuple)
    version: str = "0.1.0"
    # ASGI middleware placed just inside the metrics middleware, in front of everything
    # else (for example answers that need no routing: the catalog's cached pages).
    front: Sequence[Callable[[ASGIApp], ASGIApp]] = ()
    # Whether spans are exported (set from the environment by the factory).
    exported: bool = False


def create_service_app(spec: ServiceSpec) -> FastAPI:
    settings = spec.settings
    configure_logging(spec.name, settings.log_level, settings.log_json)
    spec.exported = configure_tracing(f"mercado-{spec.name}")

    if spec.metadata is None:
        if spec.subscriptions or spec.on_start or spec.loops:
            raise ValueError("a stateless service takes no subscriptions, hooks or loops")
        return _build_app(spec, _stateless_lifespan(spec))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        assert spec.metadata is not None
        assert spec.migrations is not None
        rt = Runtime(spec.name, settings, spec.metadata)
        app.state.runtime = rt
        app.state.readiness_checks = {
            "database": lambda: ping(rt.engine),
            "nats": rt.bus.ping,
        }
        if settings.migrate_on_start:
            await upgrade(rt.engine, spec.migrations, f"mercado-{spec.name}")
        rt.bus.start()
        rt.relay.start()
        consumers = [
            Consumer(
                rt.bus,
                rt.sessions,
                rt.processed_events,
                sub,
                spec.name,
                settings.consumer_max_deliver,
                settings.consumer_ack_wait_seconds,
            )
            for sub in spec.subscriptions
        ]
        for consumer in consumers:
            consumer.start()
        for hook in spec.on_start:
            await hook(rt)
        loops = [asyncio.create_task(_guard(loop, rt)) for loop in spec.loops]
        app.state.started = True
        log.info("%s ready on %s:%s", spec.name, settings.host, settings.port)
        try:
            yield
        finally:
            app.state.started = False
            for task in loops:
                await stop_task(task)
            for consumer in consumers:
                await consumer.close()
            await rt.close()

    return _build_app(spec, lifespan)


def _stateless_lifespan(spec: ServiceSpec) -> Lifespan:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = BaseRuntime(spec.name, spec.settings)
        app.state.runtime = rt
        app.state.readiness_checks = {}
        app.state.started = True
        log.info("%s ready on %s:%s", spec.name, spec.settings.host, spec.settings.port)
        try:
            yield
        finally:
            app.state.started = False
            await rt.close()

    return lifespan


def _build_app(spec: ServiceSpec, lifespan: Lifespan) -> FastAPI:
    settings = spec.settings
    # FastAPI's own OpenTelemetry support stays off: it would duplicate the spans below
    # (and add spans for dependencies and serialization) and the Prometheus metrics.
    app = FastAPI(
        title=spec.title,
        version=spec.version,
        lifespan=lifespan,
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
        # A path that does not match is a JSON 404, never a redirect with an empty body.
        redirect_slashes=False,
    )
    app.state.settings = settings
    app.state.started = False
    install_error_handlers(app)
    install_openapi(app)
    app.add_middleware(
        RequestLimitsMiddleware,
        max_body=settings.max_body_bytes,
        timeout=settings.body_timeout_seconds,
    )
    app.include_router(health_router())
    app.include_router(metrics_router())
    for router in spec.routers:
        app.include_router(router)
    if spec.exported:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    elif tracing_enabled():
        app.add_middleware(ServerSpanMiddleware)
    # The last added runs first: metrics, then the front middleware, then the rest.
    for middleware in reversed(spec.front):
        app.add_middleware(middleware)
    app.add_middleware(PrometheusMiddleware, service=spec.name)
    return app


async def _guard(loop: Hook, rt: Runtime) -> None:
    """Runs a background loop forever, restarting it after an unexpected error."""
    while True:
        try:
            await loop(rt)
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background loop %s failed; restarting", getattr(loop, "__name__", loop))
            await asyncio.sleep(1.0)
