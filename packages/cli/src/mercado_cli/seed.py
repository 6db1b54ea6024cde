"""Seeds the demo catalog and its stock through the services' admin APIs, once."""

from __future__ import annotations

import asyncio
import json
from importlib import resources
from typing import Any

import aiohttp


def demo_catalog() -> dict[str, Any]:
    text = resources.files("mercado_cli").joinpath("data/demo_catalog.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


class SeedError(Exception):
    pass


async def _call(
    http: aiohttp.ClientSession, method: str, url: str, body: dict[str, Any], ok: tuple[int, ...]
) -> dict[str, Any]:
    async with http.request(method, url, json=body) as resp:
        payload = await resp.json(content_type=None)
        if resp.status not in ok:
            raise SeedError(f"{method} {url} answered {resp.status}: {payload}")
        return payload if isinstance(payload, dict) else {}


async def seed(catalog_url: str, inventory_url: str, admin_token: str) -> int:
    """Creates the demo categories, products and stock unless the catalog has products.

    Returns the number of products created (0 when the catalog was already seeded).
    """
    headers = {"Authorization": f"Bearer {admin_token}"}
    async with aiohttp.ClientSession(
        headers=headers, timeout=aiohttp.ClientTimeout(total=30)
    ) as http:
        async with http.get(f"{catalog_url}/products", params={"limit": 1}) as resp:
            if (await resp.json())["total"] > 0:
                return 0
        data = demo_catalog()
        for category in data["categories"]:
            await _call(http, "POST", f"{catalog_url}/categories", category, (201, 409))
        semaphore = asyncio.Semaphore(8)

        async def one(product: dict[str, Any]) -> None:
            body = {
                "sku": product["sku"],
                "name": product["name"],
                "description": product["description"],
                "category": product["category"],
                "price": {"amount": product["price"], "currency": data["currency"]},
            }
            async with semaphore:
                await _call(http, "POST", f"{catalog_url}/products", body, (201, 409))
                await _call(
                    http,
                    "POST",
                    f"{inventory_url}/stock/{product['sku']}/adjustments",
                    {"delta": product["stock"], "reason": "demo seed"},
                    (200,),
                )

        await asyncio.gather(*(one(p) for p in data["products"]))
        return len(data["products"])
