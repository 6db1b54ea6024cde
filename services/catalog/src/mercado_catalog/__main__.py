"""``python -m mercado_catalog``: serve the catalog."""

from __future__ import annotations

from mercado_catalog.app import create_app
from mercado_catalog.settings import CatalogSettings
from mercado_toolkit.serve import service_main

main = service_main(create_app, CatalogSettings)

if __name__ == "__main__":
    main()
