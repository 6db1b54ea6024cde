from __future__ import annotations

import asyncio

import pytest

from mercado_toolkit.tasks import stop_task

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_task_that_swallows_one_cancellation_is_still_stopped() -> None:
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                if swallowed == 0:
                    swallowed += 1  # as asyncio.wait_for can, before Python 3.12
                    continue
                raise

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await stop_task(task, timeout=5)
    assert task.cancelled() and swallowed == 1


async def test_stopping_nothing_or_a_finished_task_is_fine() -> None:
    await stop_task(None)
    done = asyncio.create_task(asyncio.sleep(0))
    await done
    await stop_task(done)
