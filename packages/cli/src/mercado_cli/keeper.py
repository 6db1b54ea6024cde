"""Keeps the shop running once it is up: a process that dies is reported (which one, its
exit code or signal, its own last lines) and started again after a back-off, while every
other process keeps running. Only a process that keeps failing at start makes it give up."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape

from mercado_cli.supervisor import Running, StartError, Supervisor, describe_exit


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 0.5  # seconds before the first restart
    max_delay: float = 15.0  # the back-off doubles up to this
    stable_after: float = 30.0  # ready this long: the back-off starts over
    give_up_after: int = 5  # failures in a row without ever becoming ready
    ready_timeout: float = 90.0

    def delay(self, failures: int) -> float:
        return float(min(self.max_delay, self.first_delay * 2 ** max(0, failures - 1)))


class GiveUp(Exception):
    """A process keeps failing at start: the shop cannot run."""


@dataclass
class _History:
    failures: int = 0  # in a row, each shortly after a start
    failed_at_start: int = 0  # in a row, without becoming ready
    restarts: int = 0


class Keeper:
    def __init__(
        self, sup: Supervisor, console: Console, policy: RestartPolicy | None = None
    ) -> None:
        self.sup = sup
        self.console = console
        self.policy = policy or RestartPolicy()
        self.history: dict[str, _History] = {}
        self._busy: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._fatal: GiveUp | None = None

    async def keep(self, stop: asyncio.Event, interval: float = 0.2) -> None:
        """Until ``stop`` is set: restarts every process that exits. Raises GiveUp."""
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)
                if self._fatal is not None:
                    raise self._fatal
                if stop.is_set():
                    break
                for run in self.sup.exited():
                    if run.spec.name not in self._busy:
                        self._busy.add(run.spec.name)
                        task = asyncio.create_task(self._recover(run, stop))
                        self._tasks.add(task)
                        task.add_done_callback(self._tasks.discard)
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _recover(self, run: Running, stop: asyncio.Event) -> None:
        name = run.spec.name
        try:
            while run.proc.returncode is not None and not stop.is_set():
                run = await self._restart_once(run, stop)
        except GiveUp as exc:
            self._fatal = exc
        finally:
            self._busy.discard(name)

    async def _restart_once(self, run: Running, stop: asyncio.Event) -> Running:
        name = run.spec.name
        history = self.history.setdefault(name, _History())
        if run.pump is not None:  # its last lines, all of them
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(run.pump), 2)
        now = time.monotonic()
        uptime = now - run.started_at
        requested = self.sup.state.take_restart_request(name)
        # Only a process that became ready and then served a while starts the back-off over
        # (a slow machine may take long to fail at start: that is no stability).
        stable = run.ready_at is not None and now - run.ready_at >= self.policy.stable_after
        if requested or stable:
            history.failures = history.failed_at_start = 0
        if requested:
            self.console.print(f"[yellow]restarting {name}[/] as asked")
            delay = 0.0
        else:
            history.failures += 1
            if not run.ready:
                history.failed_at_start += 1
            tail = escape("\n".join(run.tail)) or "(no output)"
            self.console.print(
                f"[bold red]{name} {describe_exit(run.proc.returncode)}[/] after {uptime:.1f}s; "
                f"the rest of the shop keeps running. Its last lines:\n{tail}"
            )
            if history.failed_at_start >= self.policy.give_up_after:
                raise GiveUp(
                    f"{name} keeps failing at start ({history.failed_at_start} times in a row, "
                    f"last: {describe_exit(run.proc.returncode)}). Its last lines:\n{tail}"
                )
            delay = self.policy.delay(history.failures)
            self.console.print(f"restarting {name} in {delay:.1f}s")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        if stop.is_set():
            return run
        new = await self.sup.restart(run)
        history.restarts += 1
        try:
            took = await self.sup.wait_ready(new, self.policy.ready_timeout)
        except StartError as exc:
            if new.proc.returncode is None:  # alive but never ready: stop it, try again
                self.console.print(f"[red]{escape(str(exc))}[/]")
                await self.sup.kill(new)
            return new  # the next round reports how it ended
        self.console.print(
            f"[green]restarted[/] {name} (restart {history.restarts}), ready in {took:.1f}s"
        )
        return new
