"""Checkout in Chromium through the whole shop: the order page follows the saga to
CONFIRMED; a declined card and a line that sold out meanwhile are told plainly."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import Visit
from tests.browser.shop import LocalShop

pytestmark = pytest.mark.asyncio(loop_scope="session")

GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
ORDER_URL = re.compile(r"/orders/([0-9a-fA-F-]{36})$")
# The saga runs asynchronously through four services: give it time on a busy machine.
SAGA_TIMEOUT_MS = 120_000


async def pay(page: Page, card: str, email: str = "ada@example.com") -> str:
    """Fills the checkout form, places the order, returns its id from the order page URL."""
    await expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Card number").fill(card)
    await page.get_by_label("Expiry month").select_option("12")
    await page.get_by_label("Expiry year").select_option("2034")
    await page.get_by_label("CVC").fill("123")
    await page.get_by_role("button", name=re.compile("^Place order")).click()
    await expect(page).to_have_url(ORDER_URL, timeout=60_000)
    match = ORDER_URL.search(page.url)
    assert match
    return match.group(1)


async def final_status(page: Page, status: str) -> None:
    await expect(page.locator("#order-status")).to_have_attribute(
        "data-status", status, timeout=SAGA_TIMEOUT_MS
    )
    await expect(page.locator("#order-status")).to_have_text(status)


async def test_browse_search_add_two_and_pay_confirms_the_order(
    shop: LocalShop, desktop: Visit, screenshots: Path
) -> None:
    page = await desktop.open("/")
    await expect(page.locator(".grid > .card")).to_have_count(24)
    await page.get_by_label("Search products").fill("espresso")
    await page.get_by_role("button", name="Search").click()
    cards = page.locator(".card")
    await expect(cards).to_have_count(2)
    names = await cards.locator("h2").all_inner_texts()
    for name in names:
        await page.get_by_role("button", name=f"Add {name} to cart").click()
    await expect(page.locator("#cart-count")).to_have_text("2")

    await page.get_by_role("link", name=re.compile(r"^Cart")).click()
    await expect(page.locator(".lines > .line")).to_have_count(2)
    await page.get_by_role("link", name="Checkout").click()
    await page.screenshot(path=str(screenshots / "checkout.png"))
    order_id = await pay(page, GOOD_CARD)
    await final_status(page, "CONFIRMED")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you! Your order is confirmed."
    )
    await expect(page.locator("#order-total")).to_be_visible()
    await page.screenshot(path=str(screenshots / "order-confirmed.png"))
    # The cart has been bought.
    await expect(page.locator("#cart-count")).to_have_text("0")

    order = await placed_order(page, shop, order_id)
    assert order["status"] == "CONFIRMED"
    assert sorted(line["name"] for line in order["lines"]) == sorted(names)
    assert all(line["quantity"] == 1 for line in order["lines"])
    assert order["payment"]["card_last4"] == "4242"
    assert order["customer"]["email"] == "ada@example.com"

    await page.get_by_role("link", name="Orders").click()
    await expect(page.get_by_role("link", name=f"Order {order_id[:8]}")).to_be_visible()


async def placed_order(page: Page, shop: LocalShop, order_id: str) -> dict[str, Any]:
    """The order through the gateway, with the access token this browser kept for it."""
    token = await page.evaluate(
        "(id) => JSON.parse(localStorage.getItem('mercado.orders'))"
        ".find((o) => o.id === id).access_token",
        order_id,
    )
    r = httpx.get(
        f"{shop.base_url}/api/orders/{order_id}", headers={"Order-Token": token}, timeout=30
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_a_declined_card_is_told_and_another_card_then_succeeds(
    shop: LocalShop, desktop: Visit, screenshots: Path
) -> None:
    product = shop.product("KT-001")
    page = await desktop.open(f"/products/{product['id']}")
    await page.get_by_role("button", name=f"Add {product['name']} to cart").click()
    await page.goto("/checkout")
    declined_id = await pay(page, DECLINED_CARD)
    await final_status(page, "CANCELLED")
    await expect(page.get_by_role("alert")).to_contain_text("Your card was declined")
    await expect(page.get_by_role("alert")).to_contain_text("You have not been charged.")
    await page.screenshot(path=str(screenshots / "order-declined.png"))
    order = await placed_order(page, shop, declined_id)
    assert order["status"] == "CANCELLED"
    assert order["cancel_reason"] == "payment_declined"
    # The cart is kept for another try.
    await expect(page.locator("#cart-count")).to_have_text("1")

    await page.get_by_role("link", name="Try another card").click()
    paid_id = await pay(page, GOOD_CARD)
    assert paid_id != declined_id
    await final_status(page, "CONFIRMED")
    await expect(page.locator("#cart-count")).to_have_text("0")


async def test_a_line_sold_out_before_payment_is_told(
    shop: LocalShop, desktop: Visit, screenshots: Path
) -> None:
    product = shop.product("OD-004")
    page = await desktop.open(f"/products/{product['id']}")
    await page.get_by_role("button", name=f"Add {product['name']} to cart").click()
    await page.goto("/checkout")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Checkout")
    shop.set_stock(product["sku"], 0)  # someone else bought the last one meanwhile
    try:
        order_id = await pay(page, GOOD_CARD)
        await final_status(page, "CANCELLED")
        await expect(page.get_by_role("alert")).to_contain_text(
            "some items sold out before we could reserve them"
        )
        await page.screenshot(path=str(screenshots / "order-out-of-stock.png"))
        order = await placed_order(page, shop, order_id)
        assert order["cancel_reason"] == "out_of_stock"
        assert order["payment"] is None  # cancelled before any charge was tried
    finally:
        shop.set_stock(product["sku"], 10)
