"""Catalog settings (environment prefix ``MERCADO_CATALOG_``)."""

from __future__ import annotations

from pydantic import Field

from mercado_toolkit.settings import ServiceSettings, prefixed


class CatalogSettings(ServiceSettings):
    model_config = prefixed("MERCADO_CATALOG_")

    port: int = 8101
    database_url: str = "sqlite+aiosqlite:///./data/catalog.db"
    # How long a served page may be kept at most (it is cleared at once by any product or
    # stock change this replica hears of); 0 turns the page cache off.
    page_cache_seconds: float = Field(default=1.0, ge=0, le=60)
