"""Alembic migrations applied before a service serves.

Each service keeps an Alembic script directory; its ``env.py`` calls :func:`run_env`.
On PostgreSQL an advisory lock makes concurrent replicas migrate one at a time.

Alembic (with Mako and Pygments, about a third of a service's import time) is imported only
when a database is not at its newest revision yet: a service restarting on an up-to-date
database reads the revision ids from its script folder and the database, and goes on.
"""

from __future__ import annotations

import ast
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Connection, MetaData, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config


def heads(script_location: Path) -> set[str]:
    """The newest revision ids of a script folder (those no other revision follows)."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in (script_location / "versions").glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.AnnAssign | ast.Assign):
                target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
                name = getattr(target, "id", None)
                if name not in ("revision", "down_revision") or node.value is None:
                    continue
                value = ast.literal_eval(node.value)
                ids = set(value) if isinstance(value, list | tuple) else {value}
                (revisions if name == "revision" else followed).update(
                    str(v) for v in ids if v is not None
                )
    return revisions - followed


async def _at_head(conn: AsyncConnection, script_location: Path) -> bool:
    try:
        async with conn.begin():
            rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
            current = {str(r[0]) for r in rows}
    except DBAPIError:  # no alembic_version table: a new database
        return False
    return bool(current) and current == heads(script_location)


# The template of a new migration, shared by every service (``make migration``).
TEMPLATE = Path(__file__).parent / "templates" / "script.py.mako"


def alembic_config(script_location: Path, url: str | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def _render_item(kind: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Renders toolkit column types as their plain SQLAlchemy equivalent."""
    from mercado_toolkit.db_types import UTCDateTime

    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_env(target_metadata: MetaData) -> None:
    """Body of a service's ``env.py``: migrate on the connection handed in by ``upgrade``."""
    from alembic import context

    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through mercado_toolkit.migrations.upgrade")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def upgrade(engine: AsyncEngine, script_location: Path, lock_name: str) -> None:
    """Upgrade the database to the newest revision (no-op when it is there already)."""

    async with engine.connect() as conn:
        if await _at_head(conn, script_location):
            return

    def _run(connection: Connection) -> None:
        from alembic import command

        cfg = alembic_config(script_location)
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")

    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            key = zlib.crc32(lock_name.encode())
            await conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            try:
                await conn.run_sync(_run)
                await conn.commit()
            finally:
                await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                await conn.commit()
        else:
            await conn.run_sync(_run)
            await conn.commit()


def new_revision(script_location: Path, message: str, rev_id: str) -> None:
    """Autogenerates a revision by comparing the models with a fresh SQLite database
    upgraded to the current head (used by ``make migration``)."""
    import shutil
    import tempfile

    from alembic import command
    from sqlalchemy import create_engine

    template = script_location / "script.py.mako"
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/scratch.db")
        # One template for every service: Alembic reads it from the script directory.
        shutil.copyfile(TEMPLATE, template)
        try:
            with engine.begin() as connection:
                cfg = alembic_config(script_location)
                cfg.attributes["connection"] = connection
                command.upgrade(cfg, "head")
                command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
        finally:
            template.unlink()
            engine.dispose()


def create_event_tables() -> None:
    """In a service's first migration: the toolkit's ``outbox`` and ``processed_events``
    tables (:mod:`mercado_toolkit.events.tables`), declared here once for every service."""
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_published_at"), ["published_at"], unique=False)
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id"),
    )


def drop_event_tables() -> None:
    """The reverse of :func:`create_event_tables`."""
    from alembic import op

    op.drop_table("processed_events")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_published_at"))
    op.drop_table("outbox")
