"""Payment's ledger as an auditor reads it, with payment in-process (SQLite and PostgreSQL)
and the bank as a real process: one order's payments, only what succeeded, newest first,
paged with the full total; an unknown payment is a 404 that names it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from mercado_cli.services import dev_secrets
from mercado_payment.app import create_app
from mercado_payment.settings import PaymentSettings
from tests.integration.test_payment_support import (
    DECLINED,
    ORDERS,
    SUCCESS,
    charge_body,
    start_bank,
)
from tests.support.apps import dev_settings, serve_in_process
from tests.support.processes import NatsServer, ServiceProcess

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture(scope="module")
def bank(nats_server: NatsServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc: ServiceProcess = start_bank(nats_server.url, tmp_path_factory.mktemp("bank"))
    yield proc.url
    proc.stop()


@pytest.fixture
async def payment(
    database_url: str, nats: NatsServer, bank: str
) -> AsyncIterator[httpx.AsyncClient]:
    token = dev_secrets("payment")["MERCADO_PAYMENT_BANK__TOKEN"]
    settings = dev_settings(
        PaymentSettings,
        "payment",
        database_url=database_url,
        nats_url=nats.url,
        log_json=False,
        bank={"url": bank, "token": token},
    )
    async with serve_in_process(create_app(settings), "http://payment") as client:
        client.headers.update(ORDERS)
        yield client


async def _pay(payment: httpx.AsyncClient, order_id: str, number: str) -> dict[str, Any]:
    r = await payment.post("/payments", json=charge_body(order_id, number))
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _list(payment: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    r = await payment.get("/payments", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_the_ledger_lists_by_order_and_status_newest_first(
    payment: httpx.AsyncClient,
) -> None:
    orders = [str(uuid.uuid4()) for _ in range(3)]
    paid = [
        await _pay(payment, orders[0], SUCCESS),
        await _pay(payment, orders[1], DECLINED),
        await _pay(payment, orders[2], SUCCESS),
    ]
    assert [p["status"] for p in paid] == ["SUCCEEDED", "DECLINED", "SUCCEEDED"]

    everything = await _list(payment)
    assert everything["total"] == 3
    assert [p["id"] for p in everything["items"]] == [p["id"] for p in reversed(paid)]
    succeeded = await _list(payment, status="SUCCEEDED")
    assert succeeded["total"] == 2
    assert [p["id"] for p in succeeded["items"]] == [paid[2]["id"], paid[0]["id"]]
    declined = await _list(payment, status="DECLINED")
    assert [p["id"] for p in declined["items"]] == [paid[1]["id"]]
    one = await _list(payment, order_id=orders[1])
    assert (one["total"], [p["id"] for p in one["items"]]) == (1, [paid[1]["id"]])
    tail = await _list(payment, limit=2, offset=2)
    assert (tail["total"], [p["id"] for p in tail["items"]]) == (3, [paid[0]["id"]])
    none = await _list(payment, order_id=str(uuid.uuid4()))
    assert (none["total"], none["items"]) == (0, [])


async def test_an_unknown_payment_is_a_404_that_names_it(payment: httpx.AsyncClient) -> None:
    missing = str(uuid.uuid4())
    for r in (
        await payment.get(f"/payments/{missing}"),
        await payment.post(f"/payments/{missing}/refund"),
    ):
        assert r.status_code == 404, r.text
        assert r.json()["error"]["code"] == "payment_not_found"
        assert r.json()["error"]["message"] == f"no payment with id {missing}"
