"""A real PostgreSQL server from Debian's packages, on loopback in a temporary folder."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from tests.support.processes import free_port, wait_for


def pg_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"))
    if not found:
        raise RuntimeError("PostgreSQL server not installed (Debian package postgresql)")
    return Path(found[-1]).parent


class PostgresServer:
    def __init__(
        self, root: Path | None = None, before_removal: Callable[[Path], None] | None = None
    ) -> None:
        # Its own folder under the system temp dir: the postgres account must reach it.
        self.root = root or Path(tempfile.mkdtemp(prefix="mercado-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.bindir = pg_bindir()
        self.proc: subprocess.Popen[bytes] | None = None
        # PostgreSQL refuses to run as root; use the postgres account then.
        self.as_user = "postgres" if os.geteuid() == 0 else None
        # Called with the data folder once the server is down, before it is deleted.
        self.before_removal = before_removal

    def _cmd(self, *args: str) -> list[str]:
        return (["runuser", "-u", self.as_user, "--"] if self.as_user else []) + list(args)

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.as_user:
            pw = pwd.getpwnam(self.as_user)
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        subprocess.run(
            self._cmd(
                str(self.bindir / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "mercado",
                "--auth=trust",
                "-E",
                "UTF8",
            ),
            check=True,
            capture_output=True,
        )
        self.proc = subprocess.Popen(
            self._cmd(
                str(self.bindir / "postgres"),
                "-D",
                str(self.data),
                "-p",
                str(self.port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                f"unix_socket_directories={self.root}",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=200",
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._accepting, 30, 0.2, "postgres")

    def _accepting(self) -> bool:
        result = subprocess.run(
            [str(self.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
        )
        return result.returncode == 0

    def create_database(self, name: str) -> str:
        """Creates database ``name``; returns its SQLAlchemy asyncpg URL."""
        subprocess.run(
            [
                shutil.which("psql") or "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "mercado",
                "-d",
                "postgres",
                "-c",
                f'CREATE DATABASE "{name}"',
            ],
            check=True,
            capture_output=True,
        )
        return f"postgresql+asyncpg://mercado@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            # Fast shutdown: a smart one (SIGTERM) would wait for every client to leave.
            subprocess.run(
                self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.data), "stop", "-m", "fast"),
                capture_output=True,
                timeout=60,
            )
            self.proc.wait(20)
        if self.before_removal is not None:
            self.before_removal(self.data)
        shutil.rmtree(self.root, ignore_errors=True)
