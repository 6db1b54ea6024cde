"""Gateway settings (environment prefix ``MERCADO_GATEWAY_``)."""

from __future__ import annotations

from pydantic import Field

from mercado_toolkit.settings import Dependency, ServiceSettings, prefixed


class Catalog(Dependency):
    """``MERCADO_GATEWAY_CATALOG__<FIELD>``."""

    url: str = "http://127.0.0.1:8101"
    timeout_seconds: float = Field(default=3.0, gt=0)


class Orders(Dependency):
    """``MERCADO_GATEWAY_ORDERS__<FIELD>``; ``token`` is what the gateway presents
    (unset: no Authorization header)."""

    url: str = "http://127.0.0.1:8103"
    timeout_seconds: float = Field(default=5.0, gt=0)


class GatewaySettings(ServiceSettings):
    model_config = prefixed("MERCADO_GATEWAY_")

    port: int = 8080
    catalog: Catalog = Catalog()
    orders: Orders = Orders()
