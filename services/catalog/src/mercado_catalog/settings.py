"""Catalog settings (environment prefix ``MERCADO_CATALOG_``)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from mercado_toolkit.settings import ServiceSettings


class CatalogSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MERCADO_CATALOG_", extra="ignore")

    service_name: str = "catalog"
    port: int = 8101
    database_url: str = "sqlite+aiosqlite:///./data/catalog.db"
