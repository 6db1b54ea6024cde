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


async def test_stopping_nothing_or_a_finished_task_leaves_it_as_it_ended() -> None:
    assert await stop_task(None) is None
    done = asyncio.create_task(asyncio.sleep(0, result="kept"))
    await done
    await stop_task(done)
    assert not done.cancelled() and done.result() == "kept"


async def test_a_task_that_never_stops_is_given_up_on_after_the_timeout(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop = asyncio.Event()

    async def deaf() -> None:
        while not stop.is_set():
            try:
                await asyncio.sleep(10)
            except asyncio.CancelledError:
                continue  # never gives in

    task = asyncio.create_task(deaf(), name="deaf")
    await asyncio.sleep(0)
    with caplog.at_level("WARNING", logger="mercado.tasks"):
        await stop_task(task, timeout=0.3)
    assert not task.done()
    assert "task deaf did not stop" in caplog.text
    stop.set()
    task.cancel()
    await asyncio.wait({task}, timeout=5)
    assert task.done()
