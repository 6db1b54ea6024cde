"""Alembic environment of payment."""

from mercado_payment.store.tables import metadata
from mercado_toolkit.migrations import run_env

run_env(metadata)
