"""``mercado restart NAME``: asks a running ``mercado up`` to restart one process."""

from __future__ import annotations

import contextlib
import os
import signal
import time

from mercado_cli.runstate import SUPERVISOR, RunState, alive


class RestartError(Exception):
    """Nothing to restart, or it did not come back in time."""


def restart(state: RunState, name: str, timeout: float) -> float:
    """Stops ``name`` (SIGTERM to its process group) after leaving a restart request; the
    supervisor starts it again at once. Returns the seconds until it was ready again."""
    up = state.read(SUPERVISOR)
    if up is None or not alive(up.pid):
        raise RestartError(f"no running shop found under {state.folder.parent}; start it first")
    current = state.read(name)
    if current is None:
        raise RestartError(f"{name} is not running in this shop")
    started = time.monotonic()
    state.request_restart(name)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(current.pid, signal.SIGTERM)
    while time.monotonic() - started < timeout:
        now = state.read(name)
        if now is not None and now.pid != current.pid and now.ready:
            return time.monotonic() - started
        if not alive(up.pid):
            raise RestartError("the shop stopped while restarting")
        time.sleep(0.2)
    raise RestartError(f"{name} was not ready again within {timeout:.0f}s")
