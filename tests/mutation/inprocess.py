"""A pytest plugin for mutation runs (``-p tests.mutation.inprocess``): the services that
tests start with ``ServiceProcess`` run in a thread of the test process instead of a process
of their own, so that the tests exercise the mutated code. Same settings from the same
environment, same uvicorn server on the same loopback port: only the hosting differs.

Tests that kill a service mid-request or read its log file need a real process and are not
run this way (see ``targets``)."""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import threading
from typing import Any

import httpx
import uvicorn

from mercado_cli.services import dev_secrets
from mercado_toolkit.serve import header_timeout_protocol
from mercado_toolkit.settings import ServiceSettings
from tests.support.processes import ServiceProcess, wait_for

_environ = threading.Lock()


def _settings_class(name: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"mercado_{name}.settings")
    found = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, ServiceSettings)
        and cls is not ServiceSettings
        and cls.__module__ == module.__name__
    ]
    assert len(found) == 1, found
    return found[0]


def _env(proc: ServiceProcess) -> dict[str, str]:
    prefix = f"MERCADO_{proc.name.upper()}_"
    return {
        **dev_secrets(proc.name),
        prefix + "PORT": str(proc.port),
        prefix + "HOST": "127.0.0.1",
        prefix + "LOG_JSON": "true",
        **{
            k if k.startswith("MERCADO_") or k.startswith("OTEL_") else prefix + k: v
            for k, v in proc.env.items()
        },
    }


def _settings(proc: ServiceProcess) -> ServiceSettings:
    with _environ:
        saved = dict(os.environ)
        os.environ.update(_env(proc))
        try:
            return _settings_class(proc.name)()
        finally:
            os.environ.clear()
            os.environ.update(saved)


def start(self: ServiceProcess, wait: bool = True) -> ServiceProcess:
    settings = _settings(self)
    create_app = importlib.import_module(f"mercado_{self.name}.app").create_app
    config = uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        http=header_timeout_protocol(settings.header_timeout_seconds),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"{self.name}-{self.port}", daemon=True)
    thread.start()
    self.proc = None
    self._server = server  # type: ignore[attr-defined]
    self._thread = thread  # type: ignore[attr-defined]
    # Always until ready, even when asked not to wait: alembic keeps its migration context in
    # a module global, so services sharing this process must run their migrations in turn.
    self.wait_ready()
    return self


def wait_ready(self: ServiceProcess, timeout: float = 60.0) -> None:
    thread: threading.Thread = self._thread  # type: ignore[attr-defined]

    def ready() -> bool:
        if not thread.is_alive():
            raise AssertionError(f"{self.name} stopped")
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200
        return False

    wait_for(ready, timeout, 0.1, f"{self.name} ready")


def stop(self: ServiceProcess) -> None:
    server: Any = getattr(self, "_server", None)
    if server is not None:
        server.should_exit = True
        self._thread.join(30)  # type: ignore[attr-defined]
        self._server = None  # type: ignore[attr-defined]


def kill(self: ServiceProcess) -> None:
    server: Any = getattr(self, "_server", None)
    if server is not None:
        server.force_exit = True
    stop(self)


def pytest_configure() -> None:
    ServiceProcess.start = start  # type: ignore[method-assign]
    ServiceProcess.wait_ready = wait_ready  # type: ignore[method-assign]
    ServiceProcess.stop = stop  # type: ignore[method-assign]
    ServiceProcess.kill = kill  # type: ignore[method-assign]
