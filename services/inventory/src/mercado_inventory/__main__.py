"""``python -m mercado_inventory``: serve the inventory."""

from __future__ import annotations

from mercado_inventory.app import create_app
from mercado_inventory.settings import InventorySettings
from mercado_toolkit.serve import serve


def main() -> None:
    settings = InventorySettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
