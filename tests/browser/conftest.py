"""Headless Chromium (Debian's package, never a browser download) driven by Playwright
against the whole shop run as real processes."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Page,
    Request,
    async_playwright,
    expect,
)

from tests.browser.shop import LocalShop

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium calls home, and this machine's closed network refuses it.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# A shared 2-core machine can be slow: wait generously for what a page shows.
expect.set_options(timeout=30_000)


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is missing: `make system-deps` installs Debian's package")
    return found


# Package scope: the shop and the browser stop once the browser tests are done.
@pytest.fixture(scope="package")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalShop]:
    """The whole shop, started from the CLI's registry and seeded."""
    running = LocalShop(tmp_path_factory.mktemp("local-shop"))
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="package")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@dataclass
class Visit:
    """One browser tab on the storefront, recording what the page requested and any
    script error it raised."""

    page: Page
    base_url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    async def open(self, path: str = "/") -> Page:
        await self.page.goto(self.base_url + path)
        return self.page

    def foreign_requests(self) -> list[str]:
        return [
            u
            for u in self.requests
            if not u.startswith(self.base_url + "/") and not u.startswith("data:")
        ]


async def _visit(browser: Browser, base_url: str, viewport: dict[str, int]) -> Visit:
    context = await browser.new_context(viewport=viewport, base_url=base_url)
    page = await context.new_page()
    page.set_default_timeout(30_000)
    visit = Visit(page, base_url)

    def on_request(request: Request) -> None:
        visit.requests.append(request.url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            visit.console_errors.append(message.text)

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: visit.errors.append(str(exc)))
    return visit


@pytest.fixture
async def desktop(browser: Browser, shop: LocalShop) -> AsyncIterator[Visit]:
    visit = await _visit(browser, shop.base_url, DESKTOP)
    yield visit
    await visit.page.context.close()
    assert visit.errors == [], f"script errors on the page: {visit.errors}"


@pytest.fixture
async def phone(browser: Browser, shop: LocalShop) -> AsyncIterator[Visit]:
    visit = await _visit(browser, shop.base_url, PHONE)
    yield visit
    await visit.page.context.close()
    assert visit.errors == [], f"script errors on the page: {visit.errors}"


@pytest.fixture(scope="session")
def screenshots(artifacts: Path) -> Path:
    folder = artifacts / "storefront"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
