"""Seeds the demo catalog and its stock through the services' admin APIs, once.

Inventory stocks only SKUs it learnt of from the catalog's ``product.created`` event, so each
product's stock is adjusted once inventory knows it: a 404 ``unknown_sku`` is retried until
the event has arrived, for at most ``KNOWN_WITHIN`` seconds."""

from __future__ import annotations

import asyncio
import json
from importlib import resources
from typing import Any

import aiohttp

# How long inventory may take to hear of a new product before seeding gives up.
KNOWN_WITHIN = 60.0


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


async def _stock(
    http: aiohttp.ClientSession, inventory_url: str, sku: str, units: int, within: float
) -> None:
    url = f"{inventory_url}/stock/{sku}/adjustments"
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    pause = 0.05
    while True:
        async with http.post(url, json={"delta": units, "reason": "demo seed"}) as resp:
            payload = await resp.json(content_type=None)
            if resp.status == 200:
                return
            if resp.status != 404 or loop.time() + pause > deadline:
                raise SeedError(f"POST {url} answered {resp.status}: {payload}")
        await asyncio.sleep(pause)  # product.created is on its way to inventory
        pause = min(pause * 2, 1.0)


async def seed(
    catalog_url: str, inventory_url: str, admin_token: str, known_within: float = KNOWN_WITHIN
) -> int:
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

        async def create(product: dict[str, Any]) -> None:
            body = {
                "sku": product["sku"],
                "name": product["name"],
                "description": product["description"],
                "category": product["category"],
                "price": {"amount": product["price"], "currency": data["currency"]},
            }
            async with semaphore:
                await _call(http, "POST", f"{catalog_url}/products", body, (201, 409))

        async def stock(product: dict[str, Any]) -> None:
            async with semaphore:
                await _stock(http, inventory_url, product["sku"], product["stock"], known_within)

        # Every product first, then the stock: by then most announcements have arrived.
        await asyncio.gather(*(create(p) for p in data["products"]))
        await asyncio.gather(*(stock(p) for p in data["products"]))
        return len(data["products"])
