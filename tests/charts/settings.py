"""The environment variables each service really reads: its Settings fields with their prefix."""

from __future__ import annotations

import importlib
import inspect

from pydantic import BaseModel

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


def _names(model: type[BaseModel], prefix: str) -> set[str]:
    names: set[str] = set()
    for name, field in model.model_fields.items():
        kind = field.annotation
        if inspect.isclass(kind) and issubclass(kind, BaseModel):
            # A nested model (a dependency, the accepted callers): <FIELD>__<SUBFIELD>.
            names |= _names(kind, f"{prefix}{name}__")
        else:
            names.add((prefix + name).upper())
    return names


def env_names(service: str) -> set[str]:
    """Every environment variable the service's Settings reads (MERCADO_<SERVICE>_<FIELD>,
    MERCADO_<SERVICE>_<DEPENDENCY>__<FIELD> for nested settings)."""
    cls = settings_class(service)
    return _names(cls, str(cls.model_config.get("env_prefix", "")))
