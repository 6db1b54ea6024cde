"""Helpers shared by the bank and payment tests (this module holds no tests): both
services run as real processes on loopback, with NATS, each with its own SQLite file."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.support.processes import ServiceProcess, wait_for

ADMIN = {"Authorization": "Bearer admin-dev-token"}
ORDERS = {"Authorization": "Bearer orders-dev-token"}
BANK_CLIENT = {"Authorization": "Bearer payment-dev-token"}

SUCCESS = "4242424242424242"
DECLINED = "4000000000000002"
INSUFFICIENT = "4000000000009995"
SLOW = "4000000000000341"
FAIL_FIRST = "4000000000000077"
TEST_CARDS = (SUCCESS, DECLINED, INSUFFICIENT, SLOW, FAIL_FIRST)


def start_bank(nats_url: str, folder: Path, port: int | None = None, **env: str) -> ServiceProcess:
    folder.mkdir(parents=True, exist_ok=True)
    return ServiceProcess(
        "bank",
        {"DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'bank.db'}", "NATS_URL": nats_url, **env},
        folder,
        port=port,
    ).start()


def start_payment(nats_url: str, folder: Path, bank_url: str, **env: str) -> ServiceProcess:
    folder.mkdir(parents=True, exist_ok=True)
    return ServiceProcess(
        "payment",
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'payment.db'}",
            "NATS_URL": nats_url,
            "BANK__URL": bank_url,
            **env,
        },
        folder,
    ).start()


def new_order() -> str:
    return str(uuid.uuid4())


def card(number: str = SUCCESS, **changes: Any) -> dict[str, Any]:
    return {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123", **changes}


def charge_body(
    order_id: str | None = None, number: str = SUCCESS, amount: int = 1999
) -> dict[str, Any]:
    return {
        "order_id": order_id or new_order(),
        "amount": {"amount": amount, "currency": "EUR"},
        "card": card(number),
    }


def bank_records(bank: ServiceProcess, reference: str) -> list[dict[str, Any]]:
    """Every authorization the bank holds for one order (its ``reference``)."""
    r = httpx.get(
        f"{bank.url}/authorizations", params={"reference": reference}, headers=ADMIN, timeout=10
    )
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == len(page["items"])
    return list(page["items"])


def set_faults(bank: ServiceProcess, **faults: Any) -> dict[str, Any]:
    r = httpx.put(f"{bank.url}/admin/faults", json=faults, headers=ADMIN, timeout=10)
    assert r.status_code == 200, r.text
    return dict(r.json())


def wait_status(url: str, payment_id: str, status: str, timeout: float = 60.0) -> dict[str, Any]:
    def settled() -> dict[str, Any] | None:
        r = httpx.get(f"{url}/payments/{payment_id}", headers=ORDERS, timeout=10)
        body: dict[str, Any] = r.json()
        return body if body["status"] == status else None

    result: dict[str, Any] = wait_for(settled, timeout, 0.2, f"payment {payment_id} {status}")
    return result


def counter(url: str, name: str, **labels: str) -> float:
    """The value of one Prometheus counter sample (0 when absent)."""
    text = httpx.get(f"{url}/metrics", timeout=10).text
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def files_containing(folder: Path, needle: bytes) -> list[str]:
    """Files under ``folder`` (logs, databases, WAL files) whose bytes contain ``needle``."""
    return [str(p) for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]
