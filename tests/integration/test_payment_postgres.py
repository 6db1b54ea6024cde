"""Bank and payment on PostgreSQL (as on Kubernetes): concurrent charges of one order
race on real row locks and unique constraints, and still charge once."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.integration.test_payment_support import (
    FAIL_FIRST,
    ORDERS,
    SLOW,
    bank_records,
    charge_body,
    start_bank,
    start_payment,
    wait_status,
)
from tests.support.postgres import PostgresServer
from tests.support.processes import NatsServer, ServiceProcess

_names = itertools.count()


@pytest.fixture(scope="module")
def pair(
    nats_server: NatsServer,
    postgres_server: PostgresServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServiceProcess, ServiceProcess]]:
    folder: Path = tmp_path_factory.mktemp("payment-pg")
    suffix = next(_names)
    bank = start_bank(
        nats_server.url,
        folder / "bank",
        DATABASE_URL=postgres_server.create_database(f"bank_pg_{suffix}"),
        SLOW_CARD_DELAY_SECONDS="4",
    )
    payment = start_payment(
        nats_server.url,
        folder / "payment",
        bank.url,
        DATABASE_URL=postgres_server.create_database(f"payment_pg_{suffix}"),
        BANK__TIMEOUT_SECONDS="1",
        SETTLE_INTERVAL_SECONDS="0.3",
    )
    yield bank, payment
    payment.stop()
    bank.stop()


def test_concurrent_charges_charge_once(pair: tuple[ServiceProcess, ServiceProcess]) -> None:
    bank, payment = pair
    for number in ("4242424242424242", FAIL_FIRST):
        body = charge_body(number=number)

        def post(_: int, body: dict = body) -> httpx.Response:
            return httpx.post(f"{payment.url}/payments", json=body, headers=ORDERS, timeout=60)

        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(post, range(8)))
        assert all(r.status_code in (200, 201) for r in replies), [r.text for r in replies]
        assert [r.status_code for r in replies].count(201) == 1
        assert len({r.json()["id"] for r in replies}) == 1
        records = bank_records(bank, body["order_id"])
        assert [a["status"] for a in records] == ["captured"]
        final = wait_status(payment.url, replies[0].json()["id"], "SUCCEEDED")
        assert final["card_last4"] == number[-4:]


def test_timeout_card_settles_on_postgres(pair: tuple[ServiceProcess, ServiceProcess]) -> None:
    bank, payment = pair
    body = charge_body(number=SLOW)
    r = httpx.post(f"{payment.url}/payments", json=body, headers=ORDERS, timeout=60)
    assert r.status_code == 201
    assert r.json()["status"] == "PENDING"
    wait_status(payment.url, r.json()["id"], "SUCCEEDED")
    assert len(bank_records(bank, body["order_id"])) == 1
