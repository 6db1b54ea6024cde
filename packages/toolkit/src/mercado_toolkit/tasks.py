"""Stopping background tasks reliably at shutdown."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger("mercado.tasks")


async def stop_task(task: asyncio.Task[None] | None, timeout: float = 5.0) -> None:
    """Cancels ``task`` and waits for it to end, at most ``timeout`` seconds.

    The cancellation is repeated: a library awaiting ``asyncio.wait_for`` can swallow one
    when its inner future completes at the same moment (a known asyncio race before 3.12),
    and the task would then run on and block shutdown forever.
    """
    if task is None or task.done():
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not task.done() and loop.time() < deadline:
        task.cancel()
        await asyncio.wait({task}, timeout=0.1)
    if not task.done():
        log.warning("task %s did not stop within %.0fs", task.get_name(), timeout)
