"""The environment variables each service really reads: its Settings fields with their prefix."""

from __future__ import annotations

import importlib
import inspect

from mercado_toolkit.settings import ServiceSettings


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"mercado_{service}.settings")
    classes = [
        c
        for _, c in inspect.getmembers(module, inspect.isclass)
        if issubclass(c, ServiceSettings) and c is not ServiceSettings
    ]
    assert len(classes) == 1, f"mercado_{service}.settings: expected one Settings class"
    return classes[0]


def env_names(service: str) -> set[str]:
    """Every environment variable the service's Settings reads (MERCADO_<SERVICE>_<FIELD>)."""
    cls = settings_class(service)
    prefix = str(cls.model_config.get("env_prefix", ""))
    return {(prefix + name).upper() for name in cls.model_fields}
