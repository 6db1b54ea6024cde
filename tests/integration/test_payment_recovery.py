"""Unknown outcomes: a charge the bank answers too late (or not at all) stays PENDING and
is settled later by asking the bank under the order's key, never charging twice, and a
charge the bank never received is closed at the bank so that it can never charge late."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from mercado_contracts.states import PaymentStatus
from mercado_payment.clients.bank import BankClient
from mercado_payment.domain.payments import Settlement, bank_key
from mercado_payment.domain.record import PaymentRecord
from mercado_payment.operations.charge import CardDetails, ChargeInput, charge
from mercado_payment.operations.settle import settle_due
from mercado_payment.settings import PaymentSettings
from mercado_payment.store import payments as payment_store
from mercado_payment.store.tables import metadata, payments
from mercado_toolkit.http_client import ServiceClient
from mercado_toolkit.runtime import Runtime
from tests.integration.test_payment_support import (
    ORDERS,
    SLOW,
    SUCCESS,
    bank_records,
    card,
    charge_body,
    counter,
    set_faults,
    start_bank,
    start_payment,
    wait_status,
)
from tests.support.apps import dev_settings
from tests.support.logs import logged
from tests.support.processes import NatsServer, ServiceProcess, free_port, wait_for

# Payment gives the bank 1 s per attempt, 3 attempts; the slow card answers after 6 s.
PAYMENT_ENV = {
    "BANK__TIMEOUT_SECONDS": "1",
    "BANK__ATTEMPTS": "3",
    "BANK__BREAKER_FAILURES": "50",
    "SETTLE_INTERVAL_SECONDS": "0.3",
    "SETTLE_CLOSE_AFTER_SECONDS": "3",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("recovery")


@pytest.fixture(scope="module")
def bank(nats_server: NatsServer, folder: Path) -> Iterator[ServiceProcess]:
    proc = start_bank(nats_server.url, folder / "bank", SLOW_CARD_DELAY_SECONDS="6")
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def payment(
    nats_server: NatsServer, folder: Path, bank: ServiceProcess
) -> Iterator[ServiceProcess]:
    proc = start_payment(nats_server.url, folder / "payment", bank.url, **PAYMENT_ENV)
    yield proc
    proc.stop()


def post(payment: ServiceProcess, body: dict) -> httpx.Response:
    return httpx.post(f"{payment.url}/payments", json=body, headers=ORDERS, timeout=120)


def test_timeout_card_is_pending_then_settled_with_one_authorization(
    payment: ServiceProcess, bank: ServiceProcess
) -> None:
    body = charge_body(number=SLOW)
    r = post(payment, body)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "PENDING"
    assert r.json()["card_last4"] == "0341"  # known from the card before the bank answers
    # Even a payment process killed meanwhile settles it after restart (the PENDING
    # record was written before the bank was called).
    payment.kill()
    payment.start()
    settled = wait_status(payment.url, r.json()["id"], "SUCCEEDED")
    assert settled["card_last4"] == "0341"
    records = bank_records(bank, body["order_id"])
    assert [a["status"] for a in records] == ["captured"], "one authorization, three tries"
    again = post(payment, body)
    assert again.status_code == 200
    assert again.json()["status"] == "SUCCEEDED"
    assert len(bank_records(bank, body["order_id"])) == 1


def test_bank_failing_every_request_leaves_nothing_charged(
    payment: ServiceProcess, bank: ServiceProcess
) -> None:
    failed_before = counter(payment.url, "mercado_payments_total", outcome="failed")
    set_faults(bank, failure_rate=1.0)
    try:
        body = charge_body()
        r = post(payment, body)
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "PENDING"
        assert bank_records(bank, body["order_id"]) == []
    finally:
        set_faults(bank, failure_rate=0.0)
    # The bank never recorded it: the settlement loop closes the key, nothing is charged.
    settled = wait_status(payment.url, r.json()["id"], "DECLINED")
    assert settled["decline_code"] == "processing_error"
    assert [a["status"] for a in bank_records(bank, body["order_id"])] == ["closed"]
    assert counter(payment.url, "mercado_payments_total", outcome="failed") == failed_before + 1


def test_a_card_token_payment_is_sent_again_until_the_bank_answers(
    payment: ServiceProcess, bank: ServiceProcess
) -> None:
    """A payment by card token (what orders sends) keeps everything needed to authorize it:
    when every try failed before the bank acted, it is sent again under the same key once
    the bank is back, and charged exactly once, instead of being given up."""
    made = httpx.post(f"{payment.url}/card-tokens", json=card(SUCCESS), headers=ORDERS, timeout=30)
    assert made.status_code == 201, made.text
    assert set(made.json()) == {"card_token", "card_last4"} and made.json()["card_last4"] == "4242"
    body = {
        **{k: v for k, v in charge_body().items() if k != "card"},
        "card_token": made.json()["card_token"],
    }
    set_faults(bank, failure_rate=1.0)
    try:
        r = post(payment, body)
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "PENDING"
        assert bank_records(bank, body["order_id"]) == []
        time.sleep(4)  # past SETTLE_CLOSE_AFTER_SECONDS: a card payment would be closed now
    finally:
        set_faults(bank, failure_rate=0.0)
    settled = wait_status(payment.url, r.json()["id"], "SUCCEEDED")
    assert settled["card_last4"] == "4242"
    assert [a["status"] for a in bank_records(bank, body["order_id"])] == ["captured"]


def test_requests_arriving_after_the_key_is_closed_charge_nothing(
    payment: ServiceProcess, bank: ServiceProcess
) -> None:
    """The bank is so slow that every try times out and lands only after payment has
    closed the key: those late requests find the key closed and charge nothing."""
    latency_ms = 10_000  # lands well after the key is closed (about 3.5 s in)
    answered = {
        "service_name": "bank",
        "method": "POST",
        "route": "/authorizations",
        "status": "200",
    }
    late_before = counter(bank.url, "mercado_http_requests_total", **answered)
    set_faults(bank, latency_ms=latency_ms)
    try:
        body = charge_body(number=SUCCESS)
        r = post(payment, body)
    finally:
        set_faults(bank, latency_ms=0)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "PENDING"
    settled = wait_status(payment.url, r.json()["id"], "DECLINED")
    assert settled["decline_code"] == "processing_error"
    # Wait for the three delayed tries to reach the bank and be answered.
    wait_for(
        lambda: counter(bank.url, "mercado_http_requests_total", **answered) >= late_before + 3,
        timeout=latency_ms / 1000 + 60,
        what="the late tries to be answered",
    )
    assert [a["status"] for a in bank_records(bank, body["order_id"])] == ["closed"]
    final = httpx.get(f"{payment.url}/payments/{r.json()['id']}", headers=ORDERS).json()
    assert final["status"] == "DECLINED"


def test_bank_down_then_back(nats_server: NatsServer, folder: Path) -> None:
    port = free_port()
    payment = start_payment(
        nats_server.url, folder / "payment-alone", f"http://127.0.0.1:{port}", **PAYMENT_ENV
    )
    bank = None
    try:
        body = charge_body()
        r = post(payment, body)
        assert r.status_code == 201, r.text
        assert r.json()["status"] == "PENDING"
        refund = httpx.post(
            f"{payment.url}/payments/{r.json()['id']}/refund", headers=ORDERS, timeout=30
        )
        assert refund.status_code == 409
        assert refund.json()["error"]["code"] == "payment_pending"
        listed = httpx.get(
            f"{payment.url}/payments", params={"status": "PENDING"}, headers=ORDERS
        ).json()
        assert [p["id"] for p in listed["items"]] == [r.json()["id"]]
        bank = start_bank(nats_server.url, folder / "bank-late", port=port)
        settled = wait_status(payment.url, r.json()["id"], "DECLINED")
        assert settled["decline_code"] == "processing_error"
        assert [a["status"] for a in bank_records(bank, body["order_id"])] == ["closed"]
        # The order can be paid again? No: its payment is final; a new order pays anew.
        again = post(payment, body)
        assert again.status_code == 200
        assert again.json()["status"] == "DECLINED"
        fresh = post(payment, charge_body())
        assert fresh.json()["status"] == "SUCCEEDED"
    finally:
        payment.stop()
        if bank is not None:
            bank.stop()


def test_a_refund_is_refused_until_the_outcome_is_known_and_retried_while_the_bank_fails(
    payment: ServiceProcess, bank: ServiceProcess
) -> None:
    """A refund of a payment still PENDING is refused (409: refund it once settled); one the
    bank cannot take now is a 503 asking to retry, and changes nothing; retried once the
    bank answers, it refunds once."""

    def refund(payment_id: str) -> httpx.Response:
        return httpx.post(f"{payment.url}/payments/{payment_id}/refund", headers=ORDERS, timeout=60)

    body = charge_body(number=SLOW)
    pending = post(payment, body)
    assert pending.status_code == 201 and pending.json()["status"] == "PENDING", pending.text
    early = refund(pending.json()["id"])
    assert early.status_code == 409, early.text
    assert early.json()["error"] == {
        "code": "payment_pending",
        "message": "the payment's outcome is not known yet; refund it once settled",
    }
    wait_status(payment.url, pending.json()["id"], "SUCCEEDED")

    paid = post(payment, charge_body())
    assert paid.json()["status"] == "SUCCEEDED", paid.text
    set_faults(bank, failure_rate=1.0)
    try:
        refused = refund(paid.json()["id"])
    finally:
        set_faults(bank, failure_rate=0.0)
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"] == {
        "code": "dependency_unavailable",
        "message": "the bank is not answering; retry the refund",
    }
    order = paid.json()["order_id"]
    assert wait_status(payment.url, paid.json()["id"], "SUCCEEDED")["status"] == "SUCCEEDED"
    assert [a["status"] for a in bank_records(bank, order)] == ["captured"]

    retried = refund(paid.json()["id"])
    assert retried.status_code == 200 and retried.json()["status"] == "REFUNDED", retried.text
    assert [a["status"] for a in bank_records(bank, order)] == ["refunded"]


def test_a_refund_the_bank_refuses_is_a_502_and_the_payment_stays_paid(
    nats_server: NatsServer, folder: Path
) -> None:
    """The bank has lost the authorization (here: a bank started afresh on the same
    address): the refund is refused with the bank's reason, and the payment is still
    SUCCEEDED, to be refunded by hand, not marked refunded."""
    port = free_port()
    bank = start_bank(nats_server.url, folder / "bank-forgets", port=port)
    payment = start_payment(
        nats_server.url, folder / "payment-forgotten", f"http://127.0.0.1:{port}", **PAYMENT_ENV
    )
    try:
        paid = post(payment, charge_body())
        assert paid.json()["status"] == "SUCCEEDED", paid.text
        bank.stop()
        bank = start_bank(nats_server.url, folder / "bank-afresh", port=port)
        refused = httpx.post(
            f"{payment.url}/payments/{paid.json()['id']}/refund", headers=ORDERS, timeout=60
        )
        assert refused.status_code == 502, refused.text
        assert refused.json()["error"] == {
            "code": "bank_refused",
            "message": "the bank refused the refund (authorization_not_found)",
        }
        still = httpx.get(f"{payment.url}/payments/{paid.json()['id']}", headers=ORDERS)
        assert still.json()["status"] == "SUCCEEDED"
    finally:
        payment.stop()
        bank.stop()


def test_a_late_bank_answer_settles_the_payment_without_waiting_to_close_its_key(
    nats_server: NatsServer, folder: Path, bank: ServiceProcess
) -> None:
    """The bank charged the slow card after payment stopped waiting: the settlement loop
    asks the bank under the payment's key and settles it as soon as the bank has it, long
    before the key would be closed (here never, within the test)."""
    payment = start_payment(
        nats_server.url,
        folder / "payment-patient",
        bank.url,
        **{**PAYMENT_ENV, "SETTLE_CLOSE_AFTER_SECONDS": "3600"},
    )
    try:
        body = charge_body(number=SLOW)
        r = post(payment, body)
        assert r.status_code == 201 and r.json()["status"] == "PENDING", r.text
        settled = wait_status(payment.url, r.json()["id"], "SUCCEEDED", timeout=30)
        assert settled["card_last4"] == "0341"
        assert [a["status"] for a in bank_records(bank, body["order_id"])] == ["captured"]
    finally:
        payment.stop()


# Payment sends the bank no token at all, or one the bank does not accept.
MISCONFIGURED = pytest.mark.parametrize(
    ("bank_token", "answered"),
    [
        (None, "bank answered 401 unauthorized: missing bearer token"),
        ("not-the-bank-token", "bank answered 403 forbidden: token not allowed for this endpoint"),
    ],
)


@asynccontextmanager
async def settling(
    tmp_path: Path, bank_url: str, **bank: object
) -> AsyncIterator[tuple[Runtime, BankClient]]:
    """Payment's runtime and bank client as its settlement loop uses them, on a fresh
    database, without the loop: each test runs its rounds itself."""
    settings = dev_settings(
        PaymentSettings,
        "payment",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'payment.db'}",
        bank={"url": bank_url, "attempts": 1, "timeout_seconds": 1, **bank},
    )
    rt = Runtime("payment", settings, metadata)
    try:
        async with rt.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield rt, BankClient(ServiceClient.to("payment", "bank", settings.bank, rt.http))
    finally:
        await rt.close()


async def pending(rt: Runtime, card_token: str | None = None) -> PaymentRecord:
    order = f"order-{uuid.uuid4()}"
    async with rt.transaction() as session:
        return await payment_store.create_pending(
            session, order, 2500, "EUR", "4242", card_token, f"payment:{order}", 0.0
        )


async def stored(rt: Runtime, payment_id: str) -> tuple[PaymentRecord, float]:
    """The payment, and how long until the loop asks about it again (seconds)."""
    async with rt.reader() as session:
        found = await payment_store.by_id(session, payment_id)
    assert found is not None
    return found, (found.next_check_at - datetime.now(UTC)).total_seconds()


async def test_the_settle_loop_backs_off_a_payment_the_bank_cannot_answer_for(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """While the bank does not answer, each round that finds a PENDING payment unsettled
    asks again only after a doubling wait (``next_check_delay``), so a bank outage is not
    hammered, and says why in the log; a payment not yet due is not asked about at all."""
    async with settling(tmp_path, f"http://127.0.0.1:{free_port()}") as (rt, bank):
        row = await pending(rt)
        with caplog.at_level(logging.WARNING, "mercado.payment.settle"):
            assert await settle_due(rt, bank, 5.0, 3600.0) == 0
        assert logged(caplog, "mercado.payment.settle") == [
            f"cannot settle payment {row.id} yet: ClientConnectorError"
        ]
        found, wait = await stored(rt, row.id)
        assert found.status is PaymentStatus.PENDING
        assert found.checks == 1 and 4.0 < wait <= 5.0, (found.checks, wait)
        assert await settle_due(rt, bank, 5.0, 3600.0) == 0  # not due: nobody asked
        assert (await stored(rt, row.id))[0].checks == 1
        async with rt.transaction() as session:
            due_now = update(payments).where(payments.c.id == row.id)
            await session.execute(due_now.values(next_check_at=datetime.now(UTC)))
        assert await settle_due(rt, bank, 5.0, 3600.0) == 0
        found, wait = await stored(rt, row.id)
        assert found.checks == 2 and 9.0 < wait <= 10.0, (found.checks, wait)


@MISCONFIGURED
async def test_a_bank_refusing_payment_s_token_leaves_the_payment_pending_and_says_why(
    tmp_path: Path,
    bank: ServiceProcess,
    caplog: pytest.LogCaptureFixture,
    bank_token: str | None,
    answered: str,
) -> None:
    """A 401 or 403 from the bank (no token, or one it does not accept) is payment's
    misconfiguration, not the card's fault: the payment stays PENDING (asked again later),
    it is not declined."""
    async with settling(tmp_path, bank.url, token=bank_token or "unused") as (rt, client):
        if bank_token is None:
            client.client.token = None
        row = await pending(rt)
        with caplog.at_level(logging.WARNING, "mercado.payment.settle"):
            assert await settle_due(rt, client, 1.0, 0.0) == 0
        found, _ = await stored(rt, row.id)
        assert (found.status, found.checks) == (PaymentStatus.PENDING, 1)
        assert logged(caplog, "mercado.payment.settle") == [
            f"cannot settle payment {row.id} yet: {answered}"
        ]


async def test_a_card_token_the_bank_does_not_know_declines_the_payment_with_its_reason(
    tmp_path: Path, bank: ServiceProcess, caplog: pytest.LogCaptureFixture
) -> None:
    """Sent again by card token, the bank refuses the token itself (a 422): that is an
    answer, so the payment is DECLINED with the bank's reason and not asked about again."""
    async with settling(tmp_path, bank.url) as (rt, client):
        row = await pending(rt, card_token="tok_" + "9" * 32)
        with caplog.at_level(logging.INFO, "mercado.payment.settle"):
            assert await settle_due(rt, client, 1.0, 3600.0) == 1
        found, _ = await stored(rt, row.id)
        assert (found.status, found.decline_code) == (PaymentStatus.DECLINED, "unknown_card_token")
        assert logged(caplog, "mercado.payment.settle") == [
            f"payment {row.id} of order {row.order_id} settled DECLINED"
        ]
        assert bank_records(bank, row.order_id) == []


async def test_one_round_of_the_settle_loop_asks_about_at_most_fifty_payments(
    tmp_path: Path,
) -> None:
    """A backlog of unsettled payments is worked through in rounds of fifty, longest
    waiting first, so one round stays short however long the bank was away."""
    async with settling(tmp_path, f"http://127.0.0.1:{free_port()}") as (rt, bank):
        rows = [await pending(rt) for _ in range(51)]
        async with rt.transaction() as session:  # the last one has waited longest
            oldest = update(payments).where(payments.c.id == rows[-1].id)
            await session.execute(oldest.values(next_check_at=datetime(2026, 1, 1, tzinfo=UTC)))
        assert await settle_due(rt, bank, 60.0, 3600.0) == 0
        asked = [(await stored(rt, row.id))[0].checks for row in rows]
        assert sorted(asked) == [0] + [1] * 50
        assert asked[-1] == 1


async def test_a_settled_payment_is_never_asked_about_again(tmp_path: Path) -> None:
    async with settling(tmp_path, f"http://127.0.0.1:{free_port()}") as (rt, bank):
        row = await pending(rt)
        async with rt.transaction() as session:
            settled = Settlement(PaymentStatus.DECLINED, "card_declined")
            assert await payment_store.settle(session, row.id, settled, None)
        assert await settle_due(rt, bank, 60.0, 3600.0) == 0
        async with rt.transaction() as session:  # a round that read it just before
            await payment_store.postpone(session, row.id, 60.0)
        found, _ = await stored(rt, row.id)
        assert (found.status, found.checks) == (PaymentStatus.DECLINED, 0)


def charge_input(order_id: str, amount: int = 2500) -> ChargeInput:
    return ChargeInput(order_id, amount, "EUR", CardDetails(SUCCESS, 12, 2030, "123"), None)


@MISCONFIGURED
async def test_a_charge_the_bank_refuses_to_hear_stays_pending_and_is_logged(
    tmp_path: Path,
    bank: ServiceProcess,
    caplog: pytest.LogCaptureFixture,
    bank_token: str | None,
    answered: str,
) -> None:
    """Payment's own misconfiguration is not the card's fault: the payment stays PENDING
    for the settlement loop, nothing is charged, and the log says why."""
    async with settling(tmp_path, bank.url, token=bank_token or "unused") as (rt, client):
        if bank_token is None:
            client.client.token = None
        order = f"order-{uuid.uuid4()}"
        with caplog.at_level(logging.ERROR, "mercado.payment.charge"):
            row, created = await charge(rt, client, charge_input(order), 5.0)
        assert created and row.status is PaymentStatus.PENDING
        assert logged(caplog, "mercado.payment.charge") == [
            f"bank refused payment {row.id}: {answered}"
        ]
        assert bank_records(bank, order) == []


async def test_a_key_the_bank_holds_for_another_charge_leaves_the_payment_pending(
    tmp_path: Path, bank: ServiceProcess, caplog: pytest.LogCaptureFixture
) -> None:
    """The bank already holds the order's key for another body (a 409, e.g. payment's
    database was restored from an old backup): payment does not decline the order on a
    conflict it cannot judge; it stays PENDING and the settlement loop reads the key."""
    order = f"order-{uuid.uuid4()}"
    async with settling(tmp_path, bank.url) as (rt, client):
        earlier = await client.authorize(bank_key(order), charge_input(order, 100).bank_payload())
        assert earlier.status == "captured"
        with caplog.at_level(logging.ERROR, "mercado.payment.charge"):
            row, _ = await charge(rt, client, charge_input(order), 5.0)
        assert row.status is PaymentStatus.PENDING
        [line] = logged(caplog, "mercado.payment.charge")
        assert line.startswith(f"bank refused payment {row.id}: bank answered 409 "), line
    assert [a["amount"]["amount"] for a in bank_records(bank, order)] == [100]


async def test_a_charge_the_bank_does_not_answer_stays_pending_and_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with settling(tmp_path, f"http://127.0.0.1:{free_port()}") as (rt, client):
        with caplog.at_level(logging.WARNING, "mercado.payment.charge"):
            row, created = await charge(rt, client, charge_input(f"order-{uuid.uuid4()}"), 5.0)
        assert created and row.status is PaymentStatus.PENDING
        assert logged(caplog, "mercado.payment.charge") == [
            f"bank outcome unknown for payment {row.id} (ClientConnectorError); settling later"
        ]


async def test_a_repeated_charge_of_a_pending_payment_asks_the_bank_first(
    tmp_path: Path, bank: ServiceProcess
) -> None:
    """Orders asks again about a charge still PENDING: payment asks the bank under the
    order's key before answering, so the repeat sees the outcome the bank now has,
    without waiting for the settlement loop (not running here) and without charging."""
    order = f"order-{uuid.uuid4()}"
    slow = ChargeInput(order, 2500, "EUR", CardDetails(SLOW, 12, 2030, "123"), None)
    async with settling(tmp_path, bank.url) as (rt, client):
        first, created = await charge(rt, client, slow, 5.0)
        assert created and first.status is PaymentStatus.PENDING
        wait_for(
            lambda: [a["status"] for a in bank_records(bank, order)] == ["captured"],
            timeout=60,
            what="the slow card to be captured",
        )
        again, created = await charge(rt, client, slow, 5.0)
    assert (again.id, again.status, created) == (first.id, PaymentStatus.SUCCEEDED, False)
    records = bank_records(bank, order)
    assert len(records) == 1
    # The bank's token for the card is kept with the payment (never the number).
    assert again.card_token is not None and again.card_token == records[0]["card_token"]


async def test_outcomes_learned_later_keep_the_bank_s_decline_reason(
    tmp_path: Path, bank: ServiceProcess
) -> None:
    """Two payments whose answers were lost; the bank decided both (one declined for lack of
    funds): one round settles both, and the decline keeps the bank's reason."""
    async with settling(tmp_path, bank.url) as (rt, client):
        declined = await pending(rt)
        approved = await pending(rt)
        for row, number in ((declined, "4000000000009995"), (approved, SUCCESS)):
            card_of = CardDetails(number, 12, 2030, "123")
            body = ChargeInput(row.order_id, 2500, "EUR", card_of, None)
            await client.authorize(row.bank_key, body.bank_payload())  # the lost answers
        assert await settle_due(rt, client, 1.0, 3600.0) == 2
        found = [(await stored(rt, r.id))[0] for r in (declined, approved)]
    assert [(f.status, f.decline_code) for f in found] == [
        (PaymentStatus.DECLINED, "insufficient_funds"),
        (PaymentStatus.SUCCEEDED, None),
    ]
