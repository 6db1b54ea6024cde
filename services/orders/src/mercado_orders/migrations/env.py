"""Alembic environment of orders."""

from mercado_orders.store.tables import metadata
from mercado_toolkit.migrations import run_env

run_env(metadata)
