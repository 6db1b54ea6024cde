"""``python -m mercado_orders``: serve the orders service."""

from __future__ import annotations

from mercado_orders.app import create_app
from mercado_orders.settings import OrdersSettings
from mercado_toolkit.serve import service_main

main = service_main(create_app, OrdersSettings)

if __name__ == "__main__":
    main()
