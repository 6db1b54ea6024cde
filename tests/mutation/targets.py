"""What ``make mutation`` mutates, and the fast tests that judge each target.

A target is one package of the workspace (mutmut mutates one source folder at a time), the
modules of it where a bug costs money or data, and the tests that judge them: unit tests,
the service's in-process integration tests on SQLite, and the integration tests that start
services with ``ServiceProcess``, run with the ``tests.mutation.inprocess`` plugin so that
those services run in threads of the test process and execute the mutants. Tests that
kill a service or read its log file need a real process and are deselected.
"""

from __future__ import annotations

from dataclasses import dataclass

# The in-process tests run once per database; SQLite alone is fast and reaches the same code.
SQLITE_ONLY = ("-k", "not postgresql")


@dataclass(frozen=True)
class Target:
    name: str
    package: str  # the package folder, relative to the repository root
    modules: tuple[str, ...]  # globs relative to the package folder
    tests: tuple[str, ...]  # pytest arguments selecting the tests that judge it
    in_process: bool = False  # services started by the tests run in threads

    @property
    def package_name(self) -> str:
        return self.package.rsplit("/", 1)[-1]


LAYERS = ("domain/*", "operations/*", "store/*")

TARGETS: tuple[Target, ...] = (
    Target(
        "inventory",
        "services/inventory/src/mercado_inventory",
        LAYERS,
        (
            "tests/unit/test_inventory_domain.py",
            "tests/integration/test_inventory_api.py",
            "tests/integration/test_inventory_signals.py",
            "tests/integration/test_inventory_race.py",
            "tests/integration/test_inventory_conflicts.py",  # PostgreSQL: the race guards
            "tests/integration/test_outbox_atomicity.py",
            *SQLITE_ONLY,
        ),
        in_process=True,
    ),
    Target(
        "orders",
        "services/orders/src/mercado_orders",
        LAYERS,
        (
            "tests/unit/test_orders_domain.py",
            "tests/integration/test_orders_store.py",
            "tests/integration/test_typed_stores.py",
            "tests/integration/test_orders_saga_paths.py",
            "tests/integration/test_orders_api.py",
            # The saga with the whole shop. The fault tests that kill services mid-saga
            # (test_checkout_faults, payment killed mid-charge) take 8 to 16 s each and
            # would run for every surviving mutant; the saga's recovery paths are judged
            # step by step in test_orders_saga_paths instead.
            "tests/integration/test_checkout_flows.py",
            "tests/integration/test_checkout_guarantees.py",
            "-k",
            "not postgresql and not test_payment_killed_mid_charge",
        ),
        in_process=True,
    ),
    Target(
        "payment",
        "services/payment/src/mercado_payment",
        LAYERS,
        (
            "tests/unit/test_payment_domain.py",
            "tests/unit/test_payment_card_safety.py",
            "tests/integration/test_typed_stores.py",
            "tests/integration/test_payment_api.py",
            "tests/integration/test_payment_ledger.py",
            "tests/integration/test_payment_recovery.py",
            "-k",
            "not test_no_card_number_or_cvc_in_logs_or_database and not postgresql",
        ),
        in_process=True,
    ),
    Target(
        "bank",
        "services/bank/src/mercado_bank",
        LAYERS,
        (
            "tests/unit/test_bank_cards.py",
            "tests/unit/test_bank_refusals.py",
            "tests/unit/test_bank_fingerprint.py",
            "tests/integration/test_bank_api.py",
            "tests/integration/test_bank_ledger.py",
            *SQLITE_ONLY,
        ),
        in_process=True,
    ),
    Target(
        "toolkit",
        "packages/toolkit/src/mercado_toolkit",
        (
            "events/outbox.py",
            "events/relay.py",
            "events/consumer.py",
            "http_client.py",
            "auth.py",
        ),
        (
            "tests/unit/test_toolkit_events.py",
            "tests/unit/test_toolkit_auth.py",
            "tests/unit/test_toolkit_unavailable.py",
            "tests/integration/test_events.py",
            "tests/integration/test_toolkit_consumer.py",
            "tests/integration/test_toolkit_http_client.py",
            "tests/integration/test_toolkit_http_client_requests.py",
            "tests/integration/test_inventory_api.py",
            "tests/integration/test_outbox_atomicity.py",
            # Timing-sensitive (it waits past the redelivery window), flaky on a loaded machine.
            "-k",
            "not postgresql and not test_redelivered_event_is_processed_once",
        ),
    ),
)


def select(names: str) -> tuple[Target, ...]:
    """The targets named in a comma-separated list (all of them for an empty one)."""
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    known = {t.name: t for t in TARGETS}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise SystemExit(f"unknown mutation target(s) {unknown}; known: {sorted(known)}")
    return tuple(known[n] for n in wanted) if wanted else TARGETS
