"""``python -m mercado_gateway``: serve the public API and the storefront."""

from __future__ import annotations

from mercado_gateway.app import create_app
from mercado_gateway.settings import GatewaySettings
from mercado_toolkit.serve import service_main

main = service_main(create_app, GatewaySettings)

if __name__ == "__main__":
    main()
