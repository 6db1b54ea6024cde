"""Runs a service application with uvicorn on the host and port from its settings, and the
``main`` every service's ``python -m mercado_<name>`` calls."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import uvicorn
from fastapi import FastAPI
from pydantic import ValidationError

from mercado_toolkit.limits import header_timeout_protocol
from mercado_toolkit.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        http=header_timeout_protocol(settings.header_timeout_seconds),
    )


def service_main(create_app: Callable[[S], FastAPI], settings_class: type[S]) -> Callable[[], None]:
    """The ``main`` of a service: its settings from the environment, then serve.

    Settings that are missing or invalid (a token not given) end the process with one clear
    line per problem and exit status 2, not a stack trace."""

    def main() -> None:
        try:
            settings = settings_class()
        except ValidationError as exc:
            prefix = str(settings_class.model_config.get("env_prefix", ""))
            for error in exc.errors():
                name = prefix + "__".join(str(p) for p in error["loc"]).upper()
                print(f"invalid setting {name}: {error['msg']}", file=sys.stderr)
            raise SystemExit(2) from None
        serve(create_app(settings), settings)

    return main
