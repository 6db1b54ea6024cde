"""Async SQLAlchemy engine and session helpers for SQLite (local mode) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, pool_size: int = 16) -> AsyncEngine:
    """An engine with the right settings for the backend.

    SQLite: WAL, a busy timeout, and ``BEGIN IMMEDIATE`` for every transaction that may
    write, so writers queue on the database lock instead of failing on a read-to-write
    upgrade; sessions from :func:`read_only_factory` begin a plain (deferred) transaction.

    The pool keeps ``pool_size`` connections open (sized to the requests served at once)
    with a few more for bursts, so busy moments reuse connections instead of opening and
    closing overflow ones.
    """
    pool = {"pool_size": pool_size, "max_overflow": max(2, pool_size // 4)}
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True, **pool)
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    else:
        pool = {}  # an in-memory database lives in one connection
    engine = create_async_engine(url, connect_args={"timeout": 30}, **pool)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Readers (see read_only) need no lock: in WAL mode they never block nor wait.
        read_only = conn.get_execution_options().get(READ_ONLY_OPTION, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


READ_ONLY_OPTION = "mercado_read_only"


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def read_only_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for reads only: on SQLite they take no write lock (same pool)."""
    return async_sessionmaker(
        engine.execution_options(**{READ_ONLY_OPTION: True}), expire_on_commit=False
    )


def read_only_engine(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, for connections that only read (no lock on SQLite)."""
    return engine.execution_options(**{READ_ONLY_OPTION: True})


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
