"""The whole shop as real processes for checkout tests: NATS, the local SMTP server,
catalog, inventory, bank, payment, orders and notifications, each on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.support.apps import ADMIN, GATEWAY, ORDERS
from tests.support.events import wait_acknowledged, wait_stocked
from tests.support.processes import (
    NatsServer,
    ServiceProcess,
    accepting,
    free_port,
    wait_for,
)

T = TypeVar("T")

CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_NO_FUNDS = "4000000000009995"
CARD_TIMEOUT = "4000000000000341"
CARD_FLAKY = "4000000000000077"

FINAL = ("CONFIRMED", "CANCELLED")
# notifications' ack wait in tests: an event it does not acknowledge comes back this soon,
# so a test can wait past the redelivery window before it counts mails.
NOTIFICATIONS_ACK_WAIT = 2.0


def card(number: str = CARD_OK) -> dict[str, Any]:
    return {"card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}


class MailServer:
    """``python -m mercado_mailcatcher``: keeps every mail as an .eml file."""

    def __init__(self, folder: Path, log_dir: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.log_path = log_dir / f"smtp-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "mercado_mailcatcher",
                    "--port",
                    str(self.port),
                    "--dir",
                    str(self.folder),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        wait_for(lambda: accepting(self.port), 30, what="SMTP server")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)

    def mails(self) -> list[EmailMessage]:
        parser = BytesParser(policy=policy.default)
        found = []
        for path in sorted(self.folder.glob("*.eml")):
            with path.open("rb") as fh:
                msg = parser.parse(fh)
            assert isinstance(msg, EmailMessage)
            found.append(msg)
        return found

    def mails_about(self, order_id: str) -> list[EmailMessage]:
        return [m for m in self.mails() if order_id in m.get_body().get_content()]


class Shop:
    def __init__(
        self,
        root: Path,
        orders_env: dict[str, str] | None = None,
        database_urls: dict[str, str] | None = None,
    ) -> None:
        self.root = root
        logs = root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.nats = NatsServer(root / "nats")
        self.smtp = MailServer(root / "mail", logs)
        self.ports = {
            n: free_port()
            for n in ("catalog", "inventory", "bank", "payment", "orders", "notifications")
        }

        def url(name: str) -> str:
            return f"http://127.0.0.1:{self.ports[name]}"

        def db(name: str) -> str:
            if database_urls and name in database_urls:
                return database_urls[name]
            return f"sqlite+aiosqlite:///{root / (name + '.db')}"

        common = {"NATS_URL": self.nats.url, "RELAY_INTERVAL_SECONDS": "0.2"}
        env: dict[str, dict[str, str]] = {
            "catalog": {},
            "inventory": {"EXPIRY_INTERVAL_SECONDS": "0.5"},
            "bank": {"SLOW_CARD_DELAY_SECONDS": "4"},
            "payment": {
                "BANK__URL": url("bank"),
                "BANK__TIMEOUT_SECONDS": "1",
                "SETTLE_INTERVAL_SECONDS": "0.5",
            },
            "orders": {
                "CATALOG__URL": url("catalog"),
                "INVENTORY__URL": url("inventory"),
                "PAYMENT__URL": url("payment"),
                "PAYMENT_SETTLE_GRACE_SECONDS": "5",
                "LEASE_SECONDS": "5",
                "RETRY_MAX_SECONDS": "2",
                **(orders_env or {}),
            },
            "notifications": {
                "SMTP_PORT": str(self.smtp.port),
                "CONSUMER_ACK_WAIT_SECONDS": str(NOTIFICATIONS_ACK_WAIT),
            },
        }
        self.services = {
            name: ServiceProcess(
                name, {"DATABASE_URL": db(name), **common, **extra}, logs, port=self.ports[name]
            )
            for name, extra in env.items()
        }

    def url(self, name: str) -> str:
        return self.services[name].url

    def start(self) -> Shop:
        self.nats.start()
        self.smtp.start()
        for svc in self.services.values():
            svc.start(wait=False)
        for svc in self.services.values():
            svc.wait_ready(120)
        return self

    def stop(self) -> None:
        for svc in reversed(list(self.services.values())):
            svc.stop()
        self.smtp.stop()
        self.nats.stop()

    # --- helpers ---------------------------------------------------------------------------
    async def product(self, http: httpx.AsyncClient, price: int, stock: int) -> dict[str, Any]:
        """A new product with ``stock`` units."""
        await http.post(
            f"{self.url('catalog')}/categories",
            headers=ADMIN,
            json={"slug": "checkout", "name": "Checkout"},
        )
        sku = f"SKU-{uuid.uuid4().hex[:10].upper()}"
        r = await http.post(
            f"{self.url('catalog')}/products",
            headers=ADMIN,
            json={
                "sku": sku,
                "name": f"Thing {sku}",
                "category": "checkout",
                "price": {"amount": price, "currency": "EUR"},
            },
        )
        assert r.status_code == 201, r.text
        # Inventory stocks the SKU once the catalog's product.created has reached it.
        await wait_stocked(http, self.url("inventory"), sku)
        if stock:
            r = await http.post(
                f"{self.url('inventory')}/stock/{sku}/adjustments",
                headers=ADMIN,
                json={"delta": stock},
            )
            assert r.status_code == 200, r.text
        return dict(r.json()) | {"id": (await self._product_id(http, sku)), "sku": sku}

    async def _product_id(self, http: httpx.AsyncClient, sku: str) -> str:
        r = await http.get(f"{self.url('catalog')}/products", params={"q": sku})
        return str(next(p["id"] for p in r.json()["items"] if p["sku"] == sku))

    async def place(
        self,
        http: httpx.AsyncClient,
        product_id: str,
        quantity: int = 1,
        payment: dict[str, Any] | None = None,
        email: str = "buyer@example.com",
        key: str | None = None,
    ) -> httpx.Response:
        body = {
            "customer": {"email": email},
            "lines": [{"product_id": product_id, "quantity": quantity}],
            "payment": payment or card(),
        }
        return await http.post(
            f"{self.url('orders')}/orders",
            json=body,
            headers={**GATEWAY, "Idempotency-Key": key or str(uuid.uuid4())},
        )

    async def order(self, http: httpx.AsyncClient, order_id: str) -> dict[str, Any]:
        r = await http.get(f"{self.url('orders')}/orders/{order_id}", headers=ADMIN)
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def final(
        self, http: httpx.AsyncClient, order_id: str, timeout: float = 120
    ) -> dict[str, Any]:
        async def done() -> dict[str, Any] | None:
            order = await self.order(http, order_id)
            return order if order["status"] in FINAL else None

        return await until(done, timeout, f"order {order_id} final")

    async def mails_settled(self, timeout: float = 120) -> None:
        """Waits until notifications has acknowledged every order event and no redelivery
        came within its ack wait: the mails counted afterwards are all there will be."""
        await wait_acknowledged(
            self.nats.url, "notifications-orders", NOTIFICATIONS_ACK_WAIT, timeout
        )

    async def stock(self, http: httpx.AsyncClient, sku: str) -> dict[str, Any]:
        r = await http.get(f"{self.url('inventory')}/stock/{sku}")
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def payments(self, http: httpx.AsyncClient, order_id: str) -> list[dict[str, Any]]:
        r = await http.get(
            f"{self.url('payment')}/payments", params={"order_id": order_id}, headers=ORDERS
        )
        assert r.status_code == 200, r.text
        return list(r.json()["items"])

    async def bank_charges(self, http: httpx.AsyncClient, order_id: str) -> list[dict[str, Any]]:
        """The bank's authorizations for an order (its reference)."""
        r = await http.get(
            f"{self.url('bank')}/authorizations",
            params={"reference": order_id, "limit": 100},
            headers=ADMIN,
        )
        assert r.status_code == 200, r.text
        return list(r.json()["items"])


async def until(
    check: Callable[[], Awaitable[T | None] | T | None], timeout: float, what: str
) -> T:
    """Polls ``check`` (sync or async) until it returns a value (a deadline only ends a
    hung test)."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(httpx.TransportError):
            value = check()
            if inspect.isawaitable(value):
                value = await value
            if value is not None and value is not False:
                return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)
