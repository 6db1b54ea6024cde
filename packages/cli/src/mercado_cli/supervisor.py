"""Starts the shop's processes, prefixes their output, waits for health, stops them all."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import time
from collections import deque
from dataclasses import dataclass, field

import aiohttp
from rich.console import Console
from rich.text import Text

from mercado_cli.runstate import RunState
from mercado_cli.services import LocalContext, ProcessDef

COLORS = ["cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_green", "white"]
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the ``mercado`` process dies, so none is orphaned."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class StartError(Exception):
    pass


@dataclass
class Running:
    spec: ProcessDef
    proc: asyncio.subprocess.Process
    color: str
    # This process's own last lines (a restarted process starts with an empty tail).
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=20))
    pump: asyncio.Task[None] | None = None
    started_at: float = field(default_factory=time.monotonic)
    ready: bool = False
    ready_at: float | None = None


class Supervisor:
    def __init__(self, ctx: LocalContext, console: Console, width: int = 13) -> None:
        self.ctx = ctx
        self.console = console
        self.width = width
        self.running: list[Running] = []
        self.state = RunState(ctx.data_dir / "run")

    async def start(self, spec: ProcessDef) -> Running:
        run = await self._spawn(spec, COLORS[len(self.running) % len(COLORS)])
        self.running.append(run)
        return run

    async def restart(self, old: Running) -> Running:
        """Starts ``old``'s process again in its place (same port, same colour)."""
        if old.pump is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(old.pump, 2)
        run = await self._spawn(old.spec, old.color)
        self.running[self.running.index(old)] = run
        return run

    async def _spawn(self, spec: ProcessDef, color: str) -> Running:
        env = {**os.environ, **spec.env(self.ctx), "PYTHONUNBUFFERED": "1"}
        proc = await asyncio.create_subprocess_exec(
            *spec.command(self.ctx),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            stdin=asyncio.subprocess.DEVNULL,
            env=env,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        run = Running(spec, proc, color)
        run.pump = asyncio.create_task(self._pump(run))
        self.state.write(spec.name, proc.pid, self.ctx.ports[spec.name], ready=False)
        return run

    async def _pump(self, run: Running) -> None:
        assert run.proc.stdout is not None
        prefix = Text(f"{run.spec.name:<{self.width}}| ", style=run.color)
        while True:
            raw = await run.proc.stdout.readline()
            if not raw:
                return
            line = raw.decode(errors="replace").rstrip()
            run.tail.append(line)
            self.console.print(prefix + Text(line), highlight=False, soft_wrap=True)

    async def wait_ready(self, run: Running, timeout: float = 180.0) -> float:
        """Waits until ``run`` answers; returns the seconds it took."""
        start = time.monotonic()
        port = self.ctx.ports[run.spec.name]
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as http:
            while True:
                if run.proc.returncode is not None:
                    if run.pump is not None:
                        await run.pump
                    tail = "\n".join(run.tail) or "(no output)"
                    raise StartError(
                        f"{run.spec.name} {describe_exit(run.proc.returncode)} while starting. "
                        f"Its last lines:\n{tail}"
                    )
                if await _answers(http, run.spec.readiness, port):
                    run.ready = True
                    run.ready_at = time.monotonic()
                    self.state.write(run.spec.name, run.proc.pid, port, ready=True)
                    return time.monotonic() - start
                if time.monotonic() - start > timeout:
                    raise StartError(
                        f"{run.spec.name} did not become ready on port {port} within {timeout:.0f}s"
                    )
                await asyncio.sleep(0.1)

    async def stop_all(self, grace: float = 10.0) -> None:
        """SIGTERM in reverse start order, SIGKILL whatever is left after ``grace``."""
        for run in reversed(self.running):
            if run.proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(run.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for run in reversed(self.running):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                await asyncio.wait_for(run.proc.wait(), remaining)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(run.proc.pid, signal.SIGKILL)
                await run.proc.wait()
            # Children of the service (if any) share its process group.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.proc.pid, signal.SIGKILL)
            if run.pump is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(run.pump, 2)

    async def kill(self, run: Running) -> None:
        """SIGKILL ``run``'s process group and wait for it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.proc.pid, signal.SIGKILL)
        await run.proc.wait()

    def exited(self) -> list[Running]:
        """The processes that have exited."""
        return [r for r in self.running if r.proc.returncode is not None]


def describe_exit(code: int | None) -> str:
    """``exited with code 1`` or ``was killed by signal SIGKILL``."""
    if code is None:
        return "is running"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return f"was killed by signal {name}"
    return f"exited with code {code}"


async def _answers(http: aiohttp.ClientSession, readiness: str, port: int) -> bool:
    if readiness == "tcp":
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return False
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
        return True
    try:
        async with http.get(f"http://127.0.0.1:{port}/readyz") as resp:
            return resp.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False
