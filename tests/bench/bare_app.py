"""The baseline for catalog reads: a bare FastAPI app that returns the same JSON through the
same response models (``Page[Product]``, ``Product``), served by the same uvicorn settings
as every service, with no database, middleware or telemetry.

    python -m tests.bench.bare_app --port 9000 --data products.json

``products.json`` is a catalog list page as the catalog served it (the bench fetches it).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException
from fastapi import Path as PathParam

from mercado_catalog.api.schemas import Product
from mercado_toolkit.pagination import Page
from mercado_toolkit.serve import serve
from mercado_toolkit.settings import ServiceSettings


def create_app(page: dict[str, object]) -> FastAPI:
    # Plain data, as a store would hand it over: FastAPI validates and serializes it
    # through the response model on every request, as it does for the catalog.
    items: list[dict[str, Any]] = list(page["items"])  # type: ignore[call-overload]
    total = page["total"]
    by_id = {p["id"]: p for p in items}
    app = FastAPI(title="bare baseline")

    @app.get("/products", response_model=Page[Product])
    async def list_products(limit: int = 20, offset: int = 0) -> Any:
        return {
            "items": items[offset : offset + limit],
            "total": total,
            "limit": limit,
            "offset": offset,
        }

    @app.get("/products/{product_id}", response_model=Product)
    async def get_product(product_id: Annotated[str, PathParam(max_length=64)]) -> Any:
        found = by_id.get(product_id)
        if found is None:
            raise HTTPException(404, "no such product")
        return found

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data", type=Path, required=True)
    args = parser.parse_args()
    page = json.loads(args.data.read_text())
    serve(create_app(page), ServiceSettings(host="127.0.0.1", port=args.port, admin_token="unused"))


if __name__ == "__main__":
    main()
