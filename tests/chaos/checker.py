"""Reads every database of a local shop (SQLite, read-only) and lists what breaks the shop's
promises: an accepted order that is not final or was cancelled by a crash, a double charge,
stock not conserved or negative, not exactly one mail per final order, an event left in an
outbox."""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

FINAL = ("CONFIRMED", "CANCELLED")
# Reasons a crash could cause: the order lost what it needed to go on.
CRASH_REASONS = ("payment_unavailable", "reservation_expired")
SERVICES_WITH_OUTBOX = ("catalog", "inventory", "orders", "payment", "notifications")


@dataclass(frozen=True)
class Accepted:
    """An order the shop accepted (201/200 to POST /api/orders) and how it was paid."""

    order_id: str
    card: str  # "ok", "declined", "slow"


def _rows(db: Path, sql: str, params: Iterable[object] = ()) -> list[sqlite3.Row]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    con.row_factory = sqlite3.Row
    try:
        return list(con.execute(sql, tuple(params)))
    finally:
        con.close()


def stock_levels(data: Path) -> dict[str, tuple[int, int, int]]:
    """(available, reserved, sold) per SKU."""
    return {
        r["sku"]: (r["available"], r["reserved"], r["sold"])
        for r in _rows(data / "inventory.db", "SELECT sku, available, reserved, sold FROM stock")
    }


def unpublished(data: Path) -> dict[str, int]:
    """Events still waiting in each service's outbox."""
    counts = {}
    for service in SERVICES_WITH_OUTBOX:
        [row] = _rows(
            data / f"{service}.db", "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL"
        )
        counts[service] = int(row["n"])
    return {s: n for s, n in counts.items() if n}


def check(
    data: Path,
    accepted: list[Accepted],
    stock_before: dict[str, tuple[int, int, int]],
    mails: dict[str, int],
) -> list[str]:
    """Every broken promise, described; empty when the shop kept them all."""
    problems: list[str] = []
    ids = [a.order_id for a in accepted]
    marks = ",".join("?" * len(ids))
    orders = {
        r["id"]: r
        for r in _rows(
            data / "orders.db",
            f"SELECT id, status, cancel_reason, decline_code FROM orders WHERE id IN ({marks})",
            ids,
        )
    }
    for a in accepted:
        order = orders.get(a.order_id)
        if order is None:
            problems.append(f"order {a.order_id} was accepted but is not stored")
            continue
        status, reason = order["status"], order["cancel_reason"]
        if status not in FINAL:
            problems.append(f"order {a.order_id} is not final: {status}")
        elif reason in CRASH_REASONS:
            problems.append(f"order {a.order_id} was cancelled by a crash: {reason}")
        elif reason == "out_of_stock":
            continue  # a product sold out: a shop's outcome, not a fault's
        elif a.card == "declined" and (status, reason) != ("CANCELLED", "payment_declined"):
            problems.append(f"order {a.order_id} paid with a declined card ended {status}")
        elif a.card != "declined" and status != "CONFIRMED":
            problems.append(f"order {a.order_id} with a good card ended {status} {reason}")

    # Charged at most once (the bank's ledger), and a final state that agrees with it.
    charges: Counter[str] = Counter()
    refunds: Counter[str] = Counter()
    for r in _rows(
        data / "bank.db",
        f"SELECT reference, status FROM authorizations WHERE reference IN ({marks})",
        ids,
    ):
        if r["status"] in ("authorized", "captured", "refunded"):
            charges[r["reference"]] += 1
        if r["status"] == "refunded":
            refunds[r["reference"]] += 1
    payments = {
        r["order_id"]: r["status"]
        for r in _rows(
            data / "payment.db",
            f"SELECT order_id, status FROM payments WHERE order_id IN ({marks})",
            ids,
        )
    }
    for order_id, order in orders.items():
        if charges[order_id] > 1:
            problems.append(f"order {order_id} was charged {charges[order_id]} times")
        kept = charges[order_id] - refunds[order_id]
        if order["status"] == "CONFIRMED" and (kept != 1 or payments.get(order_id) != "SUCCEEDED"):
            problems.append(
                f"confirmed order {order_id}: {kept} charges kept, payment {payments.get(order_id)}"
            )
        if order["status"] == "CANCELLED" and kept != 0:
            problems.append(f"cancelled order {order_id} still has {kept} charge(s)")

    # Stock: conserved per SKU, never negative, sold = what confirmed orders bought.
    after = stock_levels(data)
    bought: defaultdict[str, int] = defaultdict(int)
    for r in _rows(
        data / "orders.db",
        f"SELECT l.sku, l.quantity FROM order_lines l JOIN orders o ON o.id = l.order_id "
        f"WHERE o.status = 'CONFIRMED' AND o.id IN ({marks})",
        ids,
    ):
        bought[r["sku"]] += r["quantity"]
    for sku, (available, reserved, sold) in after.items():
        b_available, b_reserved, b_sold = stock_before.get(sku, (0, 0, 0))
        if min(available, reserved, sold) < 0:
            problems.append(f"{sku}: negative stock {available}/{reserved}/{sold}")
        if available + reserved + sold != b_available + b_reserved + b_sold:
            problems.append(
                f"{sku}: not conserved, {b_available}+{b_reserved}+{b_sold} became "
                f"{available}+{reserved}+{sold}"
            )
        if reserved:
            problems.append(f"{sku}: {reserved} units still reserved")
        if sold - b_sold != bought[sku]:
            problems.append(f"{sku}: {sold - b_sold} sold, confirmed orders bought {bought[sku]}")

    # Exactly one mail per final order (distinct Message-IDs: SMTP can only deliver at least
    # once, a copy after a crash carries the same Message-ID), sent and recorded once.
    recorded: Counter[str] = Counter(
        r["order_id"]
        for r in _rows(
            data / "notifications.db",
            f"SELECT order_id FROM notifications WHERE status = 'sent' AND order_id IN ({marks})",
            ids,
        )
    )
    for order_id, order in orders.items():
        if order["status"] in FINAL:
            if mails.get(order_id, 0) != 1:
                problems.append(f"order {order_id}: {mails.get(order_id, 0)} mails")
            if recorded[order_id] != 1:
                problems.append(f"order {order_id}: {recorded[order_id]} sent notifications")

    for service, n in unpublished(data).items():
        problems.append(f"{service}: {n} events still in the outbox")
    return problems
