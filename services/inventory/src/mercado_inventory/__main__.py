"""``python -m mercado_inventory``: serve the inventory."""

from __future__ import annotations

from mercado_inventory.app import create_app
from mercado_inventory.settings import InventorySettings
from mercado_toolkit.serve import service_main

main = service_main(create_app, InventorySettings)

if __name__ == "__main__":
    main()
