"""Alembic environment of inventory."""

from mercado_inventory.store.tables import metadata
from mercado_toolkit.migrations import run_env

run_env(metadata)
