"""The service application factory shared by every Mercado service."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter, FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from sqlalchemy import MetaData

from mercado_toolkit.db import ping
from mercado_toolkit.errors import install_error_handlers
from mercado_toolkit.events.consumer import Consumer, Subscription
from mercado_toolkit.health import health_router
from mercado_toolkit.http_metrics import PrometheusMiddleware, metrics_router
from mercado_toolkit.logs import configure_logging
from mercado_toolkit.migrations import upgrade
from mercado_toolkit.runtime import Runtime
from mercado_toolkit.settings import ServiceSettings
from mercado_toolkit.tracing import configure_tracing

log = logging.getLogger("mercado.app")

Hook = Callable[[Runtime], Awaitable[None]]


@dataclass
class ServiceSpec:
    name: str
    title: str
    settings: ServiceSettings
    metadata: MetaData
    migrations: Path
    routers: Sequence[APIRouter]
    subscriptions: Sequence[Subscription] = ()
    on_start: Sequence[Hook] = ()
    loops: Sequence[Hook] = field(default_factory=tuple)
    version: str = "0.1.0"


def create_service_app(spec: ServiceSpec) -> FastAPI:
    settings = spec.settings
    configure_logging(spec.name, settings.log_level, settings.log_json)
    configure_tracing(f"mercado-{spec.name}")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
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
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for consumer in consumers:
                await consumer.close()
            await rt.close()

    app = FastAPI(title=spec.title, version=spec.version, lifespan=lifespan)
    app.state.settings = settings
    app.state.started = False
    install_error_handlers(app)
    app.add_middleware(PrometheusMiddleware, service=spec.name)
    app.include_router(health_router())
    app.include_router(metrics_router())
    for router in spec.routers:
        app.include_router(router)
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
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
