"""The ``mercado`` command."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console

from mercado_cli.mailbox import show_mails
from mercado_cli.restart import RestartError, restart
from mercado_cli.runstate import RunState
from mercado_cli.seed import SeedError, seed
from mercado_cli.services import DEV_ADMIN_TOKEN, SERVICES, LocalContext
from mercado_cli.up import UpError, run_shop

app = typer.Typer(help="Mercado: an e-commerce shop of microservices.", no_args_is_help=True)
console = Console()

DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir", envvar="MERCADO_DATA_DIR", help="where SQLite files and NATS keep data"
    ),
]


def _ports(overrides: list[str]) -> dict[str, int]:
    ports = {p.name: p.default_port for p in SERVICES}
    for item in overrides:
        name, sep, value = item.partition("=")
        if not sep or name not in ports or not value.isdigit() or not 0 < int(value) < 65536:
            known = ", ".join(ports)
            raise typer.BadParameter(f"{item!r}: expected NAME=PORT with NAME one of {known}")
        ports[name] = int(value)
    return ports


@app.command()
def up(
    data_dir: DataDir = Path(".data/local"),
    port: Annotated[
        list[str] | None,
        typer.Option("--port", help="override a port, e.g. --port catalog=9101 (repeatable)"),
    ] = None,
    no_seed: Annotated[bool, typer.Option("--no-seed", help="skip the demo catalog")] = False,
    json_logs: Annotated[bool, typer.Option("--json-logs", help="JSON log lines")] = False,
    admin_token: Annotated[str, typer.Option(envvar="MERCADO_ADMIN_TOKEN")] = DEV_ADMIN_TOKEN,
    observability: Annotated[
        bool,
        typer.Option(
            "--observability",
            help="also start Prometheus (Debian's package) with the shop's scrape config and rules",
        ),
    ] = False,
    prometheus_port: Annotated[int, typer.Option(min=1, max=65535)] = 9090,
    scrape_interval: Annotated[
        int, typer.Option(min=1, max=300, help="seconds between scrapes and rule evaluations")
    ] = 5,
) -> None:
    """Start NATS and every service on this machine; Ctrl-C stops them all."""
    ctx = LocalContext(
        data_dir=data_dir.resolve(),
        ports=_ports(port or []),
        json_logs=json_logs,
        admin_token=admin_token,
    )
    try:
        asyncio.run(
            run_shop(
                ctx,
                console,
                do_seed=not no_seed,
                prometheus_port=prometheus_port if observability else None,
                scrape_interval=scrape_interval,
            )
        )
    except UpError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from exc


@app.command("restart")
def restart_command(
    name: Annotated[str, typer.Argument(help="the process to restart, e.g. catalog or nats")],
    data_dir: DataDir = Path(".data/local"),
    timeout: Annotated[float, typer.Option(min=1, help="seconds to wait for it")] = 120,
) -> None:
    """Restart one process of a running `mercado up` (the others keep running)."""
    known = [p.name for p in SERVICES]
    if name not in known:
        raise typer.BadParameter(f"{name!r}: expected one of {', '.join(known)}")
    try:
        took = restart(RunState(data_dir.resolve() / "run"), name, timeout)
    except RestartError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"restarted {name}: ready again after {took:.1f}s")


@app.command("seed")
def seed_command(
    catalog_url: str = "http://127.0.0.1:8101",
    inventory_url: str = "http://127.0.0.1:8102",
    admin_token: Annotated[str, typer.Option(envvar="MERCADO_ADMIN_TOKEN")] = DEV_ADMIN_TOKEN,
) -> None:
    """Seed the demo catalog and stock into running services (once)."""
    try:
        created = asyncio.run(seed(catalog_url, inventory_url, admin_token))
    except SeedError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    console.print(f"seeded {created} products" if created else "already seeded")


@app.command("dashboards")
def dashboards_command(
    prometheus: Annotated[
        str, typer.Option(help="the Prometheus that `mercado up --observability` started")
    ] = "http://127.0.0.1:9090",
    out: Annotated[Path, typer.Option(help="folder for the PNG previews")] = Path(
        ".data/local/dashboards"
    ),
    minutes: Annotated[float, typer.Option(min=1, help="time range drawn")] = 15,
) -> None:
    """Draw a PNG preview of every dashboard from Prometheus's data (no Grafana needed)."""
    from mercado_observability.preview import render_all

    try:
        done = render_all(prometheus.rstrip("/"), out.resolve(), minutes)
    except httpx.HTTPError as exc:
        console.print(f"[bold red]error:[/] cannot query Prometheus at {prometheus}: {exc}")
        raise typer.Exit(1) from exc
    for path, with_data, panels in done:
        console.print(f"{path}: {with_data} of {panels} panels have data")


@app.command("mail")
def mail_command(
    message: Annotated[
        str | None, typer.Argument(help="number, file name or Message-ID of a mail to show")
    ] = None,
    data_dir: DataDir = Path(".data/local"),
    last: Annotated[int, typer.Option(min=1, help="list at most this many (newest)")] = 50,
) -> None:
    """List the e-mails the shop sent in local mode, or show one."""
    if not show_mails(console, data_dir.resolve() / "mail", message, last):
        console.print(f"[bold red]error:[/] no mail {message!r}; run `mercado mail` to list them")
        raise typer.Exit(1)


if __name__ == "__main__":
    app()
