"""A runtime holds a service's own objects by type; routes read them through typed
dependencies."""

from __future__ import annotations

import pytest

from mercado_toolkit.runtime import BaseRuntime
from mercado_toolkit.settings import ServiceSettings


class Clock:
    pass


class Other:
    pass


def test_parts_are_held_and_found_by_type() -> None:
    rt = BaseRuntime("svc", ServiceSettings(admin_token="a"))
    clock = Clock()
    rt.provide(clock)
    assert rt.part(Clock) is clock
    with pytest.raises(LookupError, match="holds no Other"):
        rt.part(Other)
    made = rt.part(Other, Other)  # made on first use, then kept
    assert rt.part(Other) is made
