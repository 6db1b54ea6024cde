"""Alembic environment of notifications."""

from mercado_notifications.store.tables import metadata
from mercado_toolkit.migrations import run_env

run_env(metadata)
