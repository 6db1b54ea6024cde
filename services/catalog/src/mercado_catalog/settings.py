"""Catalog settings (environment prefix ``MERCADO_CATALOG_``)."""

from __future__ import annotations

from mercado_toolkit.settings import ServiceSettings, prefixed


class CatalogSettings(ServiceSettings):
    model_config = prefixed("MERCADO_CATALOG_")

    port: int = 8101
    database_url: str = "sqlite+aiosqlite:///./data/catalog.db"
