"""Alembic environment of the catalog."""

from mercado_catalog.store.tables import metadata
from mercado_toolkit.migrations import run_env

run_env(metadata)
