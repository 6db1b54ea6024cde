"""The umbrella chart's managed PostgreSQL start script, run for real on Debian's PostgreSQL.

The script and the database URLs come from the rendered chart: each service reaches its own
database with the URL its Deployment is given, and no other service's; a changed password
in the Secret takes effect on the next start.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from mercado_topology import SHOP
from tests.charts.helm import by_kind, render
from tests.support.postgres import pg_bindir
from tests.support.processes import free_port, wait_for

pytestmark = pytest.mark.charts

DATABASES = [c.name for c in SHOP.services if c.database]


@pytest.fixture(scope="module")
def chart() -> list[dict[str, Any]]:
    return render(sets=["global.secrets.existingSecret=demo-secrets"])


class ChartPostgres:
    """Runs the chart's start.sh as the postgres account, in a folder of its own."""

    def __init__(self, script: str) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mercado-chart-pg-"))
        (self.root / "run").mkdir()
        (self.root / "data").mkdir()
        (self.root / "start.sh").write_text(script)
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            account = pwd.getpwnam("postgres")
            for path in (self.root, self.root / "run", self.root / "data"):
                os.chown(path, account.pw_uid, account.pw_gid)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, passwords: dict[str, str]) -> None:
        self._spawn(passwords)
        wait_for(self._serving, 60, 0.2, "the chart's PostgreSQL")

    def kill_during_initdb(self, passwords: dict[str, str]) -> None:
        """A first start killed while initdb is still writing the cluster."""
        self._spawn(passwords)
        assert self.proc is not None
        side = self.root / "data" / "pgdata.init"
        wait_for(side.exists, 30, 0.005, "initdb to begin")
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        assert side.exists() and not (self.root / "data" / "pgdata").exists()

    def _spawn(self, passwords: dict[str, str]) -> None:
        env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "PGBIN": str(pg_bindir()),
            "PGSOCKETS": str(self.root / "run"),
            "PGDATA_ROOT": str(self.root / "data"),
            "PGPORT": str(self.port),
            "POSTGRES_PASSWORD": "superuser-secret",
            **{f"PASSWORD_{db.upper()}": pw for db, pw in passwords.items()},
        }
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_root else []
        self.proc = subprocess.Popen(
            [*prefix, "sh", str(self.root / "start.sh")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def _serving(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"start.sh exited: {self.proc.stderr.read().decode()}")  # type: ignore[union-attr]
        ready = subprocess.run(
            [str(pg_bindir() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
        )
        return ready.returncode == 0

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # PostgreSQL's fast shutdown, to the whole group (runuser and the server).
            os.killpg(self.proc.pid, signal.SIGINT)
            self.proc.wait(timeout=60)


@pytest.fixture
def postgres(chart: list[dict[str, Any]]) -> Iterator[ChartPostgres]:
    script = by_kind(chart, "ConfigMap")["demo-postgresql"]["data"]["start.sh"]
    server = ChartPostgres(script)
    yield server
    server.stop()


def database_url(chart: list[dict[str, Any]], service: str, password: str, port: int) -> str:
    """The URL the chart gives the service, with its password and this test's address."""
    (container,) = by_kind(chart, "Deployment")[f"demo-{service}"]["spec"]["template"]["spec"][
        "containers"
    ]
    env = {e["name"]: e.get("value") for e in container["env"]}
    url = env[f"MERCADO_{service.upper()}_DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://")
    return (
        url.replace("postgresql+asyncpg://", "postgresql://")
        .replace("$(DATABASE_PASSWORD)", password)
        .replace("@demo-postgresql:5432/", f"@127.0.0.1:{port}/")
    )


async def whoami(url: str) -> tuple[str, str]:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        row = await conn.fetchrow("SELECT current_user, current_database()")
        assert row is not None
        return row[0], row[1]
    finally:
        await conn.close()


def test_each_service_gets_its_own_database_and_user(
    chart: list[dict[str, Any]], postgres: ChartPostgres
) -> None:
    passwords = {db: f"{db}-pw-1" for db in DATABASES}
    postgres.start(passwords)
    for db in DATABASES:
        url = database_url(chart, db, passwords[db], postgres.port)
        assert asyncio.run(whoami(url)) == (db, db)
    # Another service's database is out of reach, and so is a wrong password.
    orders_url = database_url(chart, "orders", passwords["orders"], postgres.port)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        asyncio.run(whoami(orders_url.rsplit("/", 1)[0] + "/payment"))
    with pytest.raises(asyncpg.InvalidPasswordError):
        asyncio.run(whoami(database_url(chart, "orders", "guess", postgres.port)))

    # A restart with a changed password (the Secret was changed) keeps the data and
    # applies the new password.
    postgres.stop()
    passwords["catalog"] = "catalog-pw-2"
    postgres.start(passwords)
    assert asyncio.run(whoami(database_url(chart, "catalog", "catalog-pw-2", postgres.port)))
    with pytest.raises(asyncpg.InvalidPasswordError):
        asyncio.run(whoami(database_url(chart, "catalog", "catalog-pw-1", postgres.port)))


def test_a_first_start_killed_during_initdb_is_redone_on_the_next_start(
    chart: list[dict[str, Any]], postgres: ChartPostgres
) -> None:
    passwords = {db: f"{db}-pw" for db in DATABASES}
    postgres.kill_during_initdb(passwords)
    postgres.start(passwords)
    url = database_url(chart, "inventory", passwords["inventory"], postgres.port)
    assert asyncio.run(whoami(url)) == ("inventory", "inventory")
