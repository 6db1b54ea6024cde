"""A backend down degrades only what needs it: the storefront says so plainly, and
recovers when the backend is back."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Locator, expect

from tests.browser.conftest import Visit
from tests.browser.shop import LocalShop
from tests.browser.test_storefront_checkout import GOOD_CARD, ORDER_URL, final_status

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def click_until(button: Locator, done: Locator, attempts: int = 12) -> None:
    """Clicks again, as a customer would, until ``done`` shows: just after a backend
    comes back the gateway's breaker may still fail fast for a few seconds."""
    for _ in range(attempts):
        await button.click()
        try:
            await expect(done).to_be_visible(timeout=10_000)
            return
        except AssertionError:
            continue
    await expect(done).to_be_visible()


async def test_orders_down_browsing_works_and_checkout_asks_to_retry(
    shop: LocalShop, desktop: Visit, screenshots: Path
) -> None:
    product = shop.product("EL-002")
    page = await desktop.open(f"/products/{product['id']}")
    await page.get_by_role("button", name=f"Add {product['name']} to cart").click()
    shop.stop_service("orders")
    try:
        await page.goto("/")
        await expect(page.locator(".result-count")).to_have_text("60 products")
        await page.goto("/checkout")
        await page.get_by_label("E-mail").fill("grace@example.com")
        await page.get_by_label("Card number").fill(GOOD_CARD)
        await page.get_by_label("Expiry month").select_option("12")
        await page.get_by_label("Expiry year").select_option("2034")
        await page.get_by_label("CVC").fill("123")
        await page.get_by_role("button", name=re.compile("^Place order")).click()
        message = page.get_by_role("alert")
        await expect(message).to_contain_text("ordering is unavailable right now")
        await expect(message).to_contain_text("Please try again in a moment.")
        await expect(page.locator("#cart-count")).to_have_text("1")
        await page.screenshot(path=str(screenshots / "checkout-orders-down.png"))
    finally:
        shop.start_service("orders")
    # Trying again once orders is back places the order (with the same idempotency key).
    await click_until(
        page.get_by_role("button", name=re.compile("^Place order")), page.locator("#order-status")
    )
    await expect(page).to_have_url(ORDER_URL)
    await final_status(page, "CONFIRMED")


async def test_inventory_down_products_still_show_with_availability_unknown(
    shop: LocalShop, desktop: Visit, screenshots: Path
) -> None:
    shop.stop_service("inventory")
    # A product created while inventory is down: nobody has told the catalog its stock.
    sku = f"NEW-{uuid.uuid4().hex[:8].upper()}"
    r = httpx.post(
        f"{shop.url('catalog')}/products",
        headers=shop.admin(),
        json={
            "sku": sku,
            "name": f"Brand New Gadget {sku}",
            "category": "electronics",
            "price": {"amount": 2500, "currency": "EUR"},
        },
        timeout=30,
    )
    try:
        assert r.status_code == 201, r.text
        page = await desktop.open("/")
        await expect(page.locator(".result-count")).to_have_text("61 products")
        await expect(page.locator(".card").first.locator(".availability")).to_have_text("In stock")
        await page.get_by_label("Search products").fill(sku)
        await page.keyboard.press("Enter")
        card = page.locator(".card")
        await expect(card).to_have_count(1)
        await expect(card.locator(".availability")).to_have_text("Availability unknown")
        await expect(card.locator(".price")).to_have_text("€25.00")
        await page.screenshot(path=str(screenshots / "inventory-down.png"))
    finally:
        shop.start_service("inventory")
        if r.status_code == 201:
            httpx.delete(f"{shop.url('catalog')}/products/{r.json()['id']}", headers=shop.admin())


async def test_catalog_down_the_page_says_so_and_recovers(
    shop: LocalShop, desktop: Visit, screenshots: Path
) -> None:
    shop.stop_service("catalog")
    try:
        page = await desktop.open("/")
        alert = page.get_by_role("alert")
        await expect(alert).to_contain_text("The product catalog is unavailable right now.")
        await page.screenshot(path=str(screenshots / "catalog-down.png"))
        # The gateway itself stays ready: it is what tells the customer.
        assert httpx.get(f"{shop.base_url}/readyz", timeout=10).status_code == 200
    finally:
        shop.start_service("catalog")
    await click_until(
        page.get_by_role("button", name="Try again"), page.locator(".grid > .card").first
    )
