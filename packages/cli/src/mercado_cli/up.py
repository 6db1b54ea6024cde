"""``mercado up``: the whole shop on one machine."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Awaitable

from rich.console import Console

from mercado_cli.keeper import GiveUp, Keeper, RestartPolicy
from mercado_cli.ports import busy_ports
from mercado_cli.runstate import SUPERVISOR, RunState, alive
from mercado_cli.seed import SeedError, seed
from mercado_cli.services import SERVICES, LocalContext
from mercado_cli.supervisor import StartError, Supervisor
from mercado_observability.prometheus import Prometheus


class UpError(Exception):
    """A failure to report to the user in one clear message (exit code 1)."""


async def run_shop(
    ctx: LocalContext,
    console: Console,
    do_seed: bool,
    prometheus_port: int | None = None,
    scrape_interval: int = 5,
    policy: RestartPolicy | None = None,
) -> None:
    if _already_running(RunState(ctx.data_dir / "run")):
        raise UpError(
            f"a shop already runs with the data folder {ctx.data_dir}; stop it first "
            f"(Ctrl-C where it runs), or choose another --data-dir."
        )
    busy = busy_ports({p.name: ctx.ports[p.name] for p in SERVICES})
    if busy:
        names = ", ".join(f"{name} (port {port})" for name, port in busy.items())
        raise UpError(
            f"port already in use: {names}. Stop what uses it, or choose another port "
            f"with --port NAME=PORT."
        )
    ctx.data_dir.mkdir(parents=True, exist_ok=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    sup = Supervisor(ctx, console)
    sup.state.clear()
    sup.state.write(SUPERVISOR, os.getpid(), 0, ready=False)
    started = time.monotonic()
    prom: Prometheus | None = None
    try:
        with console.status("starting the shop...") as status:
            # NATS first; then every service at once (they reach each other with retries).
            first, rest = SERVICES[0], SERVICES[1:]
            for group in ([first], rest):
                runs = [await sup.start(spec) for spec in group]
                status.update("waiting for " + ", ".join(r.spec.name for r in runs) + "...")
                waits = asyncio.gather(*(sup.wait_ready(r) for r in runs))
                took = await _until_ready_or_stop(waits, stop)
                if took is None:
                    return
                for run, seconds in zip(runs, took, strict=True):
                    console.print(
                        f"[green]ready[/] {run.spec.name} on port "
                        f"{ctx.ports[run.spec.name]} ({seconds:.1f}s)"
                    )
            if do_seed:
                status.update("seeding the demo catalog...")
                try:
                    created = await seed(ctx.url("catalog"), ctx.url("inventory"), ctx.admin_token)
                except SeedError as exc:
                    raise UpError(f"seeding failed: {exc}") from exc
                if created:
                    console.print(f"[green]seeded[/] {created} demo products with stock")
        total = time.monotonic() - started
        console.print(
            f"[bold green]Mercado is up[/] in {total:.1f}s: "
            + ", ".join(
                f"{s.name} {ctx.url(s.name) if s.readiness == 'http' else _address(ctx, s.name)}"
                for s in SERVICES
            )
        )
        if prometheus_port is not None:
            prom = await asyncio.to_thread(
                _start_prometheus, ctx, console, prometheus_port, scrape_interval
            )
        entry = "gateway" if "gateway" in ctx.ports else "catalog"
        console.print(f"Open [bold]{ctx.url(entry)}[/]; press Ctrl-C to stop.")
        sup.state.write(SUPERVISOR, os.getpid(), 0, ready=True)
        await Keeper(sup, console, policy).keep(stop)
    except (StartError, GiveUp) as exc:
        raise UpError(str(exc)) from exc
    finally:
        console.print("stopping...")
        if prom is not None:
            await asyncio.to_thread(prom.stop)
        await sup.stop_all()
        sup.state.clear()
        console.print("all stopped.")


def _already_running(state: RunState) -> bool:
    found = state.read(SUPERVISOR)
    return found is not None and found.pid != os.getpid() and alive(found.pid)


def _start_prometheus(ctx: LocalContext, console: Console, port: int, interval: int) -> Prometheus:
    """Prometheus scraping every service (labelled as a ServiceMonitor would), with the
    shop's recording and alert rules."""
    targets = {s.name: ctx.ports[s.name] for s in SERVICES if s.readiness == "http"}
    prom = Prometheus(ctx.data_dir / "prometheus", port, targets, f"{interval}s")
    try:
        prom.start()
    except (OSError, RuntimeError, TimeoutError) as exc:
        raise UpError(f"Prometheus did not start: {exc}") from exc
    up, total = prom.targets_up()
    console.print(
        f"[green]ready[/] prometheus {prom.url} ({up} of {total} targets up): "
        f"targets {prom.url}/targets, "
        f"alerts {prom.url}/alerts; dashboards to import into Grafana: "
        f"observability/dashboards/*.json; PNG previews: `mercado dashboards`"
    )
    return prom


def _address(ctx: LocalContext, name: str) -> str:
    """Where a non-HTTP process listens (NATS, the local SMTP server)."""
    return ctx.nats_url if name == "nats" else f"{name}://127.0.0.1:{ctx.ports[name]}"


async def _until_ready_or_stop(
    ready: Awaitable[list[float]], stop: asyncio.Event
) -> list[float] | None:
    ready_task = asyncio.ensure_future(ready)
    stop_task = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({ready_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
    if ready_task in done:
        stop_task.cancel()
        result: list[float] = ready_task.result()
        return result
    ready_task.cancel()
    with contextlib.suppress(asyncio.CancelledError, StartError):
        await ready_task
    return None
