"""Alembic environment of the bank."""

from mercado_bank.store.tables import metadata
from mercado_toolkit.migrations import run_env

run_env(metadata)
