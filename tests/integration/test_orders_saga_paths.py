"""Orders' saga steps on the paths a whole checkout rarely takes, driven one order at a time
against real inventory, payment and bank: an order whose card is no longer held (its charge
may or may not have reached payment), and a cancellation while the payment's outcome is
not known yet. Orders runs in the test (its runtime, store and saga, no HTTP server); every
other service is real."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY

from mercado_contracts.states import CancelReason, OrderStatus, PaymentStatus
from mercado_orders.clients.services import Dependencies
from mercado_orders.domain.orders import PricedLine
from mercado_orders.domain.record import OrderRecord, PaymentSeen
from mercado_orders.operations.cancel import cancel
from mercado_orders.operations.context import SagaContext
from mercado_orders.operations.saga import Saga, step
from mercado_orders.operations.steps import record_payment
from mercado_orders.settings import OrdersSettings
from mercado_orders.store import orders as store
from mercado_orders.store.tables import metadata
from mercado_toolkit.runtime import Runtime
from tests.integration.test_payment_support import (
    SLOW,
    SUCCESS,
    card,
    start_bank,
    start_payment,
)
from tests.support.apps import ADMIN, ORDERS, dev_settings
from tests.support.events import announce_products, wait_stocked
from tests.support.logs import logged
from tests.support.orders import order_record
from tests.support.processes import NatsServer, ServiceProcess, free_port
from tests.support.shop import until

pytestmark = pytest.mark.asyncio(loop_scope="session")

SAGA_LOG = "mercado.orders.saga"
GRACE = 20.0  # payment_settle_grace_seconds: "no payment" is believed only after it
SKU = "SAGA-1"


@dataclass
class Services:
    inventory: ServiceProcess
    payment: ServiceProcess


@pytest.fixture(scope="module")
def services(
    nats_server: NatsServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Services]:
    root = tmp_path_factory.mktemp("saga-paths")
    # The slow card is charged 4 s after it is asked; payment stops waiting after 1 s and
    # leaves it PENDING, then settles it from the bank.
    bank = start_bank(nats_server.url, root / "bank", SLOW_CARD_DELAY_SECONDS="4")
    payment = start_payment(
        nats_server.url,
        root / "payment",
        bank.url,
        BANK__TIMEOUT_SECONDS="1",
        BANK__ATTEMPTS="1",
        SETTLE_INTERVAL_SECONDS="0.3",
    )
    (root / "inventory").mkdir()
    inventory = ServiceProcess(
        "inventory",
        {
            "DATABASE_URL": f"sqlite+aiosqlite:///{root / 'inventory' / 'inventory.db'}",
            "NATS_URL": nats_server.url,
        },
        root / "inventory",
    ).start()
    try:
        yield Services(inventory, payment)
    finally:
        for proc in (inventory, payment, bank):
            proc.stop()


@asynccontextmanager
async def orders_saga(
    tmp_path: Path, nats_url: str, inventory: dict[str, object], payment: dict[str, object]
) -> AsyncIterator[Saga]:
    settings = dev_settings(
        OrdersSettings,
        "orders",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}",
        nats_url=nats_url,
        inventory=inventory,
        payment={"timeout_seconds": 10, **payment},
        payment_settle_grace_seconds=GRACE,
    )
    rt = Runtime("orders", settings, metadata)
    try:
        async with rt.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield Saga(SagaContext(rt, settings, Dependencies.build(settings, rt.http)))
    finally:
        await rt.close()


@pytest.fixture
async def saga(services: Services, nats_server: NatsServer, tmp_path: Path) -> AsyncIterator[Saga]:
    inventory = {"url": services.inventory.url}
    payment = {"url": services.payment.url}
    async with orders_saga(tmp_path, nats_server.url, inventory, payment) as s:
        yield s


@pytest.fixture
async def stocked(services: Services, nats_server: NatsServer) -> AsyncIterator[httpx.AsyncClient]:
    """Inventory with ``SKU`` known and 5 more units of it."""
    async with httpx.AsyncClient(base_url=services.inventory.url, timeout=30) as http:
        await announce_products(nats_server.url, SKU)
        await wait_stocked(http, "", SKU)
        r = await http.post(f"/stock/{SKU}/adjustments", json={"delta": 5}, headers=ADMIN)
        assert r.status_code == 200, r.text
        yield http


def order(**changes: object) -> OrderRecord:
    """An order charging 19.99 EUR, its charge just tried, and no card held any more (lost
    in a restart, or kept past its time)."""
    now = datetime.now(UTC)
    return order_record(
        now,
        **{
            "status": OrderStatus.PAYMENT_PENDING,
            "total_amount": 1999,
            "payment_attempt_at": now,
            **changes,
        },
    )


LINES = [PricedLine("p1", SKU, "Saga mug", 2, 1999, "EUR")]


async def placed(saga: Saga, row: OrderRecord) -> OrderRecord:
    async with saga.ctx.rt.transaction() as session:
        await store.insert_order(session, row, [replace(LINES[0], unit_amount=row.total_amount)])
    return row


async def stored(saga: Saga, order_id: str) -> OrderRecord:
    async with saga.ctx.rt.reader() as session:
        found = await store.get(session, order_id)
    assert found is not None
    return found


async def reserve(http: httpx.AsyncClient, order_id: str) -> None:
    body = {"order_id": order_id, "lines": [{"sku": SKU, "quantity": 2}]}
    r = await http.post("/reservations", json=body, headers=ORDERS)
    assert r.status_code == 201, r.text


async def available(http: httpx.AsyncClient) -> tuple[int, int]:
    level = (await http.get(f"/stock/{SKU}")).json()
    return level["available"], level["reserved"]


async def charge(services: Services, order_id: str, amount: int = 1999) -> dict:
    async with httpx.AsyncClient(base_url=services.payment.url, timeout=60) as http:
        body = {
            "order_id": order_id,
            "amount": {"amount": amount, "currency": "EUR"},
            "card": card(),
        }
        r = await http.post("/payments", json=body, headers=ORDERS)
    assert r.status_code == 201 and r.json()["status"] == "SUCCEEDED", r.text
    return dict(r.json())


async def test_no_card_and_no_charge_within_the_grace_waits_for_the_rest_of_it(
    saga: Saga,
) -> None:
    """A charge sent just before a crash may still land at payment: until the grace period
    since the attempt has passed, the order waits, unchanged."""
    row = await placed(saga, order(payment_attempt_at=datetime.now(UTC) - timedelta(seconds=5)))
    outcome = await step(saga.ctx, row, LINES)
    assert outcome.wait is not None and GRACE - 5 - 2 < outcome.wait <= GRACE - 5
    assert await stored(saga, row.id) == row


async def test_no_card_and_no_charge_after_the_grace_cancels_and_returns_the_stock(
    saga: Saga, stocked: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    row = await placed(
        saga, order(payment_attempt_at=datetime.now(UTC) - timedelta(seconds=GRACE + 1))
    )
    await reserve(stocked, row.id)
    before = await available(stocked)
    with caplog.at_level(logging.WARNING, SAGA_LOG):
        await saga.drive(row.id)
    final = await stored(saga, row.id)
    assert (final.status, final.cancel_reason) == (
        OrderStatus.CANCELLED,
        CancelReason.PAYMENT_UNAVAILABLE,
    )
    assert logged(caplog, SAGA_LOG) == [
        f"order {row.id}: no charge reached payment and no card is held; cancelling"
    ]
    assert (final.payment_id, final.payment_status) == (None, None)
    assert await available(stocked) == (before[0] + 2, before[1] - 2)


async def test_no_card_but_a_charge_at_payment_is_recorded_and_the_order_goes_on(
    saga: Saga, services: Services
) -> None:
    """The charge did land at payment before the card was lost: the order takes the
    payment as payment has it, instead of cancelling or charging again."""
    row = await placed(saga, order(card_last4=None))
    paid = await charge(services, row.id)
    await step(saga.ctx, row, LINES)
    after = await stored(saga, row.id)
    assert (after.status, after.payment_id, after.payment_status, after.card_last4) == (
        OrderStatus.PAID,
        paid["id"],
        PaymentStatus.SUCCEEDED,
        "4242",
    )


async def test_a_cancellation_waits_for_an_unknown_payment_then_refunds_what_was_charged(
    saga: Saga, services: Services, stocked: httpx.AsyncClient
) -> None:
    """The customer cancels while orders does not know whether the charge went through:
    within the grace the cancellation waits; once payment shows the charge, it is refunded,
    the stock comes back, and the order is CANCELLED for the customer's reason."""
    row = await placed(saga, order(cancel_requested=CancelReason.CUSTOMER_CANCELLED))
    await reserve(stocked, row.id)
    before = await available(stocked)
    outcome = await step(saga.ctx, row, LINES)
    assert outcome.wait is not None and GRACE - 2 < outcome.wait <= GRACE
    assert await stored(saga, row.id) == row  # nothing undone yet

    paid = await charge(services, row.id)  # the charge lands meanwhile
    await saga.drive(row.id)
    final = await stored(saga, row.id)
    assert (final.status, final.cancel_reason, final.payment_id, final.payment_status) == (
        OrderStatus.CANCELLED,
        CancelReason.CUSTOMER_CANCELLED,
        paid["id"],
        PaymentStatus.REFUNDED,
    )
    async with httpx.AsyncClient(base_url=services.payment.url) as http:
        at_payment = (await http.get(f"/payments/{paid['id']}", headers=ORDERS)).json()
    assert at_payment["status"] == "REFUNDED"
    assert await available(stocked) == (before[0] + 2, before[1] - 2)


async def card_token(services: Services, number: str = SUCCESS) -> str:
    async with httpx.AsyncClient(base_url=services.payment.url, timeout=30) as http:
        r = await http.post("/card-tokens", json=card(number), headers=ORDERS)
    assert r.status_code == 201, r.text
    return str(r.json()["card_token"])


@pytest.mark.parametrize("attempts", [0, 1, 2])
async def test_a_retried_charge_counts_the_grace_from_the_retry(
    saga: Saga, services: Services, attempts: int
) -> None:
    """A charge tried again (after one or more failed tries) is the one that may still land:
    the attempt time moves to the retry, and the charge made then is recorded. A first
    charge keeps the time its payment began, and the order is written once, when paid."""
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    row = await placed(
        saga,
        order(
            card_token=await card_token(services), attempts=attempts, payment_attempt_at=long_ago
        ),
    )
    before = datetime.now(UTC)
    await step(saga.ctx, row, LINES)
    after = await stored(saga, row.id)
    if attempts:
        assert after.payment_attempt_at is not None and after.payment_attempt_at >= before
    else:
        assert (after.payment_attempt_at, after.version) == (long_ago, row.version + 1)
    assert (after.status, after.payment_status) == (OrderStatus.PAID, PaymentStatus.SUCCEEDED)
    assert after.attempts == 0  # the step went through: the back-off starts afresh


async def test_a_charge_payment_refuses_outright_cancels_the_order_with_payment_s_reason(
    saga: Saga,
) -> None:
    """Payment refuses the charge request itself (a card token that is not one): nothing
    was charged, no payment exists, and the order is cancelled as declined with payment's
    reason."""
    row = await placed(saga, order(card_token="not-a-card-token"))
    await saga.drive(row.id)
    final = await stored(saga, row.id)
    assert (final.status, final.cancel_reason, final.payment_id) == (
        OrderStatus.CANCELLED,
        CancelReason.PAYMENT_DECLINED,
        None,
    )
    assert (final.payment_status, final.decline_code) == (
        PaymentStatus.DECLINED,
        "validation_error",
    )


async def test_no_card_and_no_charge_ever_tried_cancels_without_waiting(saga: Saga) -> None:
    """No charge was ever sent (no attempt time): there is nothing that could still land
    at payment, so there is no grace to wait for."""
    row = await placed(saga, order(payment_attempt_at=None, status=OrderStatus.PAYMENT_PENDING))
    outcome = await step(saga.ctx, row, LINES)
    assert outcome.wait is None
    after = await stored(saga, row.id)
    assert after.cancel_requested is CancelReason.PAYMENT_UNAVAILABLE


async def test_a_refund_payment_refuses_keeps_the_order_and_tries_again_later(
    saga: Saga, services: Services, caplog: pytest.LogCaptureFixture
) -> None:
    """Orders believes the payment succeeded, payment says it cannot be refunded (it was
    declined): the cancellation does not pretend the money came back; it leaves the order
    as it is, says why, and tries again after the longest back-off."""
    async with httpx.AsyncClient(base_url=services.payment.url, timeout=60) as http:
        body = {
            "order_id": str(uuid.uuid4()),
            "amount": {"amount": 1999, "currency": "EUR"},
            "card": card("4000000000000002"),  # declined
        }
        declined = (await http.post("/payments", json=body, headers=ORDERS)).json()
    assert declined["status"] == "DECLINED", declined
    row = await placed(
        saga,
        order(
            id=body["order_id"],
            status=OrderStatus.PAID,
            payment_id=declined["id"],
            payment_status=PaymentStatus.SUCCEEDED,
            cancel_requested=CancelReason.CUSTOMER_CANCELLED,
        ),
    )
    with caplog.at_level(logging.ERROR, SAGA_LOG):
        outcome = await step(saga.ctx, row, LINES)
    assert outcome.wait == saga.ctx.settings.retry_max_seconds
    assert await stored(saga, row.id) == row
    assert logged(caplog, SAGA_LOG) == [
        f"payment refused to refund order {row.id}: 409 payment_not_refundable"
    ]


async def test_a_cancellation_of_an_order_another_replica_drives_is_due_at_once(
    saga: Saga,
) -> None:
    """Another replica holds the order (it waits on payment until later): the customer's
    cancellation is recorded and the order made due now, so the cancellation is carried
    out as soon as that lease ends instead of after the other replica's wait."""
    later = datetime.now(UTC) + timedelta(minutes=5)
    row = await placed(
        saga,
        order(
            next_attempt_at=later,
            lease_owner="another-replica",
            lease_until=datetime.now(UTC) + timedelta(seconds=30),
        ),
    )
    after, _ = await cancel(saga.ctx, saga, row.id)
    assert after.cancel_requested is CancelReason.CUSTOMER_CANCELLED
    assert after.status is OrderStatus.PAYMENT_PENDING  # not this replica's to drive now
    assert after.lease_owner == "another-replica"
    assert after.next_attempt_at <= datetime.now(UTC)


async def test_a_paid_order_whose_reservation_is_gone_is_cancelled_as_expired(
    saga: Saga,
) -> None:
    """Inventory no longer holds the order's reservation at commit (it expired): the order
    is not confirmed; its cancellation (and refund) is asked for, as expired."""
    row = await placed(saga, order(status=OrderStatus.PAID, payment_status=PaymentStatus.SUCCEEDED))
    assert (await step(saga.ctx, row, LINES)).wait is None
    after = await stored(saga, row.id)
    assert (after.status, after.cancel_requested) == (
        OrderStatus.PAID,
        CancelReason.RESERVATION_EXPIRED,
    )


async def test_a_reservation_asked_again_and_found_released_cancels_the_order_as_expired(
    saga: Saga, stocked: httpx.AsyncClient
) -> None:
    """Orders asks again for a reservation inventory made and has let go since (orders died
    before recording it, and it expired meanwhile): inventory answers the released one, and
    the order is not taken as reserved; its cancellation is asked for, as expired."""
    row = await placed(saga, order(status=OrderStatus.PENDING, payment_attempt_at=None))
    await reserve(stocked, row.id)
    released = await stocked.post(f"/reservations/{row.id}/release", headers=ORDERS)
    assert released.status_code == 200, released.text
    assert (await step(saga.ctx, row, LINES)).wait is None
    after = await stored(saga, row.id)
    assert (after.status, after.cancel_requested) == (
        OrderStatus.PENDING,
        CancelReason.RESERVATION_EXPIRED,
    )


# Each step that asks inventory, and what orders says when inventory refuses its token.
INVENTORY_REFUSALS = [
    (
        "reserve",
        {"status": OrderStatus.PENDING, "attempts": 1},
        1.0,  # backoff(1 failure, 0.5 s base)
        "inventory refused the reservation of order {id}: 403 forbidden",
    ),
    (
        "commit",
        {"status": OrderStatus.PAID, "attempts": 1},
        1.0,
        "inventory refused to commit order {id}: 403 forbidden",
    ),
    (
        "release",
        {"status": OrderStatus.RESERVED, "cancel_requested": CancelReason.OUT_OF_STOCK},
        0.5,  # the retry base: no failure counted yet
        "inventory did not release order {id} yet: 403 forbidden",
    ),
]


@pytest.mark.parametrize(
    ("what", "changes", "waits", "said"),
    INVENTORY_REFUSALS,
    ids=[w for w, *_ in INVENTORY_REFUSALS],
)
async def test_a_step_inventory_refuses_for_another_reason_is_retried_and_says_why(
    services: Services,
    nats_server: NatsServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    what: str,
    changes: dict[str, object],
    waits: float,
    said: str,
) -> None:
    """Inventory refuses orders' token (a misconfiguration, not the order's fault) when
    orders reserves, commits or releases: the order is neither cancelled as out of stock nor
    marked as if the stock had moved; it stays as it is, is tried again after its back-off,
    and the log says what inventory answered."""
    inventory = {"url": services.inventory.url, "token": "not-orders-token"}
    payment = {"url": services.payment.url}
    async with orders_saga(tmp_path, nats_server.url, inventory, payment) as saga:
        row = await placed(saga, order(**changes))
        with caplog.at_level(logging.WARNING, SAGA_LOG):
            outcome = await step(saga.ctx, row, LINES)
        assert outcome.wait == waits, what
        assert await stored(saga, row.id) == row
    assert logged(caplog, SAGA_LOG) == [said.format(id=row.id)]


async def _drive_logged(
    saga: Saga, caplog: pytest.LogCaptureFixture
) -> tuple[OrderRecord, list[tuple[int, str, bool]]]:
    """Drives a charge whose outcome is not known yet (the step asks payment about it): the
    order as parked, and what the saga logged (level, message, whether with a traceback)."""
    row = await placed(saga, order(payment_status=PaymentStatus.PENDING))
    caplog.clear()
    with caplog.at_level(logging.WARNING, SAGA_LOG):
        await saga.drive(row.id)
    said = [(r.levelno, r.getMessage(), r.exc_info is not None) for r in caplog.records]
    return await stored(saga, row.id), said


@pytest.mark.parametrize("fault", ["payment down", "payment refuses orders' token"])
async def test_a_failing_step_is_parked_and_logged_with_the_order_and_the_reason(
    services: Services,
    nats_server: NatsServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    fault: str,
) -> None:
    """A step that fails is never lost silently: the order is parked with a back-off, and
    the log names the order and why. A dependency not answering is a warning with the
    reason; anything else (here: payment refusing to list orders' payments) an error with
    the order's state and the traceback."""
    inventory = {"url": services.inventory.url}
    payment: dict[str, object] = (
        {"url": f"http://127.0.0.1:{free_port()}", "attempts": 1}
        if fault == "payment down"
        else {"url": services.payment.url, "token": "not-orders-token"}
    )
    async with orders_saga(tmp_path, nats_server.url, inventory, payment) as saga:
        parked, said = await _drive_logged(saga, caplog)
    assert (parked.status, parked.attempts, parked.lease_owner) == (
        OrderStatus.PAYMENT_PENDING,
        1,
        None,
    )
    [(level, message, traceback)] = said
    if fault == "payment down":
        assert (level, traceback) == (logging.WARNING, False)
        assert message.startswith(f"order {parked.id} waits: payment "), message
    else:
        assert (level, traceback) == (logging.ERROR, True)
        assert message == f"step of order {parked.id} (PAYMENT_PENDING) failed"


async def test_driving_a_finished_order_leaves_no_lease_behind(saga: Saga) -> None:
    row = await placed(saga, order(status=OrderStatus.CONFIRMED))
    await saga.drive(row.id)
    after = await stored(saga, row.id)
    assert (after.status, after.lease_owner, after.lease_until) == (
        OrderStatus.CONFIRMED,
        None,
        None,
    )


async def test_an_order_the_database_cannot_give_is_logged_for_the_recovery_loop(
    saga: Saga, caplog: pytest.LogCaptureFixture
) -> None:
    """Driving an order fails before any step (here: its table is gone): nothing is raised
    into the caller's task, and the log names the order and what happens next."""
    row = await placed(saga, order())
    async with saga.ctx.rt.engine.begin() as conn:
        await conn.exec_driver_sql("DROP TABLE order_lines")
        await conn.exec_driver_sql("DROP TABLE orders")
    with caplog.at_level(logging.ERROR, SAGA_LOG):
        await saga.drive(row.id)
    [record] = [r for r in caplog.records if r.name == SAGA_LOG]
    assert record.getMessage() == (f"driving order {row.id} failed; the recovery loop will retry")
    assert record.exc_info is not None  # with the traceback
    assert row.id not in saga.active


async def test_closing_the_saga_stops_orders_in_flight_and_waits_for_them(
    nats_server: NatsServer, tmp_path: Path, services: Services
) -> None:
    """On shutdown, orders being driven (here: waiting on an inventory that never answers)
    are stopped and awaited: close returns cleanly and leaves no task behind; the orders
    stay as stored, for the recovery loop of any replica."""
    hung: list[asyncio.StreamWriter] = []

    async def never_answer(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        hung.append(writer)

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    inventory = {"url": f"http://127.0.0.1:{port}", "timeout_seconds": 30}
    payment = {"url": services.payment.url}
    try:
        async with orders_saga(tmp_path, nats_server.url, inventory, payment) as saga:
            rows = [await placed(saga, order(status=OrderStatus.PENDING)) for _ in range(2)]
            for row in rows:
                saga.start(row.id)
            while len(hung) < 2:  # both reservations are under way
                await asyncio.sleep(0.05)
            tasks = list(saga._tasks)
            # A task dump says which order each task drives.
            assert sorted(t.get_name() for t in tasks) == sorted(f"saga-{r.id}" for r in rows)
            await saga.close()
            assert tasks and all(t.done() for t in tasks)
            assert [(await stored(saga, r.id)).status for r in rows] == [OrderStatus.PENDING] * 2
    finally:
        for writer in hung:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_an_unknown_charge_outcome_is_recorded_once_then_followed_until_settled(
    saga: Saga, services: Services
) -> None:
    """Payment answers PENDING (the bank was too slow): orders records that payment, asks
    again after a short wait without rewriting the order while nothing changed, and moves
    on once payment has settled it."""
    row = await placed(saga, order(card_token=await card_token(services, SLOW)))
    outcome = await step(saga.ctx, row, LINES)
    assert outcome.wait == 0.5  # backoff(0 failures, 0.5 s base), capped at half the max
    pending = await stored(saga, row.id)
    assert (pending.status, pending.payment_status) == (
        OrderStatus.PAYMENT_PENDING,
        PaymentStatus.PENDING,
    )
    assert pending.payment_id is not None
    again = await step(saga.ctx, pending, LINES)
    assert again.wait == 0.5
    assert await stored(saga, row.id) == pending  # asked, nothing to write

    async def settled() -> bool | None:
        async with httpx.AsyncClient(base_url=services.payment.url) as http:
            r = await http.get(f"/payments/{pending.payment_id}", headers=ORDERS)
        return r.json()["status"] == "SUCCEEDED" or None

    await until(settled, 60, "payment to settle the slow charge")
    await step(saga.ctx, pending, LINES)
    paid = await stored(saga, row.id)
    assert (paid.status, paid.payment_status) == (OrderStatus.PAID, PaymentStatus.SUCCEEDED)


async def test_a_step_whose_dependency_is_down_is_parked_with_a_growing_wait(
    nats_server: NatsServer, tmp_path: Path, services: Services
) -> None:
    """Payment does not answer: the driver gives the order back (no lease), counts the
    failure, and makes it due again after the back-off for that many failures."""
    dead = {"url": f"http://127.0.0.1:{free_port()}", "attempts": 1}
    inventory = {"url": services.inventory.url}
    async with orders_saga(tmp_path, nats_server.url, inventory, dead) as saga:
        row = await placed(saga, order(card_token="tok_" + "1" * 32, attempts=3))
        await saga.drive(row.id)
        parked = await stored(saga, row.id)
    wait = (parked.next_attempt_at - datetime.now(UTC)).total_seconds()
    assert (parked.status, parked.attempts, parked.lease_owner) == (
        OrderStatus.PAYMENT_PENDING,
        4,
        None,
    )
    assert 2.0 < wait <= 4.0, wait  # backoff(3 failures, 0.5 s base) = 4 s


@pytest.mark.parametrize(("total", "status"), [(0, "PAID"), (1, "PAYMENT_PENDING")])
async def test_only_a_free_order_skips_payment_and_a_charge_stamps_its_attempt(
    saga: Saga, total: int, status: str
) -> None:
    before = datetime.now(UTC)
    row = await placed(
        saga, order(status=OrderStatus.RESERVED, total_amount=total, payment_attempt_at=None)
    )
    await step(saga.ctx, row, LINES)
    after = await stored(saga, row.id)
    assert after.status == OrderStatus(status)
    if status == "PAYMENT_PENDING":  # the grace for its outcome counts from now
        assert after.payment_attempt_at is not None and after.payment_attempt_at >= before


@pytest.mark.parametrize(("token", "code"), [(None, "unauthorized"), ("wrong", "forbidden")])
async def test_payment_refusing_orders_token_is_retried_not_charged_to_the_customer(
    nats_server: NatsServer,
    tmp_path: Path,
    services: Services,
    caplog: pytest.LogCaptureFixture,
    token: str | None,
    code: str,
) -> None:
    """A 401 or 403 from payment is orders' misconfiguration: the order is not cancelled as
    declined; the failed tries so far count for the back-off, and the log says what to fix."""
    payment = {"url": services.payment.url, "token": token or "unused"}
    inventory = {"url": services.inventory.url}
    async with orders_saga(tmp_path, nats_server.url, inventory, payment) as saga:
        if token is None:
            saga.ctx.deps.payment.token = None
        row = await placed(saga, order(card_token="tok_" + "1" * 32, attempts=2))
        with caplog.at_level(logging.ERROR, SAGA_LOG):
            outcome = await step(saga.ctx, row, LINES)
        after = await stored(saga, row.id)
    assert outcome.wait == 2.0  # backoff(2 failures, 0.5 s base)
    assert (after.status, after.cancel_requested, after.payment_id) == (
        OrderStatus.PAYMENT_PENDING,
        None,
        None,
    )
    assert logged(caplog, SAGA_LOG) == [
        f"payment refused orders' token ({code}); check MERCADO_ORDERS_PAYMENT__TOKEN"
    ]


def seen(status: str) -> PaymentSeen:
    """A payment as payment shows it, under an id of its own."""
    return PaymentSeen(id=str(uuid.uuid4()), status=status, decline_code=None, card_last4="4242")


async def test_a_payment_status_orders_does_not_know_leaves_the_order_and_says_so(
    saga: Saga, caplog: pytest.LogCaptureFixture
) -> None:
    """A newer payment may answer a status this orders does not know: the order is not
    moved on a guess; it is asked again after the back-off for its failures, and the log
    names the order and the status."""
    row = await placed(saga, order(card_token="tok_" + "1" * 32, attempts=2))
    with caplog.at_level(logging.ERROR, SAGA_LOG):
        outcome = await record_payment(saga.ctx, row, LINES, seen("REQUIRES_ACTION"))
    assert outcome.wait == 2.0  # backoff(2 failures, 0.5 s base)
    assert await stored(saga, row.id) == row
    assert logged(caplog, SAGA_LOG) == [
        f"payment of order {row.id} has an unknown status 'REQUIRES_ACTION'"
    ]


async def test_a_pending_payment_is_asked_about_again_within_half_the_longest_wait(
    saga: Saga,
) -> None:
    """However many tries an order has had, a charge whose outcome the bank has not told yet
    is asked about again within half the longest back-off (payment settles it within
    seconds, and the customer is waiting), and the payment is recorded on the order."""
    row = await placed(saga, order(card_token="tok_" + "1" * 32, attempts=10))
    pending = seen("PENDING")
    outcome = await record_payment(saga.ctx, row, LINES, pending)
    assert saga.ctx.settings.retry_max_seconds == 10.0
    assert outcome.wait == 5.0  # not backoff(10 failures) = 512 s, nor the longest wait
    after = await stored(saga, row.id)
    assert (after.status, after.payment_id, after.payment_status) == (
        OrderStatus.PAYMENT_PENDING,
        pending.id,
        PaymentStatus.PENDING,
    )
    # Written under this replica's lease, renewed for the lease's length from now.
    assert after.lease_owner == saga.ctx.owner
    assert after.lease_until is not None and after.lease_until > datetime.now(UTC)


def _counted(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, {"service_name": "orders", **labels}) or 0.0


def _business() -> tuple[float, float, float]:
    """The orders dashboard's counters: euros taken, orders confirmed, orders cancelled as
    out of stock."""
    return (
        _counted("mercado_revenue_minor_units_total", currency="EUR"),
        _counted("mercado_orders_final_total", state="CONFIRMED", reason=""),
        _counted("mercado_orders_final_total", state="CANCELLED", reason="out_of_stock"),
    )


async def test_an_order_counts_its_revenue_and_final_state_once_when_it_gets_there(
    saga: Saga, stocked: httpx.AsyncClient
) -> None:
    """A confirmed order adds its total to the revenue of its currency and one to the
    confirmed orders; a later change that keeps it confirmed (the customer asks to cancel)
    counts neither again. An order cancelled counts under its reason."""
    revenue, confirmed, cancelled = _business()
    row = await placed(saga, order(status=OrderStatus.PAID, payment_status=PaymentStatus.SUCCEEDED))
    await reserve(stocked, row.id)
    await step(saga.ctx, row, LINES)
    done = await stored(saga, row.id)
    assert done.status == OrderStatus.CONFIRMED
    assert _business() == (revenue + 1999, confirmed + 1, cancelled)
    asked = await saga.ctx.transition(
        done, done.cancel_asked(CancelReason.CUSTOMER_CANCELLED), LINES
    )
    assert asked is not None and asked.status == OrderStatus.CONFIRMED
    assert _business() == (revenue + 1999, confirmed + 1, cancelled)
    gone = await placed(saga, order(status=OrderStatus.PENDING, payment_attempt_at=None))
    await saga.ctx.transition(gone, gone.cancelled(CancelReason.OUT_OF_STOCK), LINES)
    assert _business() == (revenue + 1999, confirmed + 1, cancelled + 1)
