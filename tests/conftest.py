"""Shared fixtures: real NATS and PostgreSQL on loopback, markers by folder."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.pan_scan import SESSION, scan_before_removal
from tests.support.postgres import PostgresServer
from tests.support.processes import NatsServer

pytest_plugins = ["tests.k8s.plugin", "tests.k8s.real_plugin"]

ROOT = Path(__file__).resolve().parent
ARTIFACTS = ROOT.parent / "test-artifacts"
_FOLDER_MARKERS = {
    "unit": "unit",
    "integration": "integration",
    "cluster": "cluster",
    "browser": "browser",
    "operator": ("cluster", "operator"),
    "fuzz": "fuzz",
    "chaos": "chaos",
    "containers": "containers",
    "charts": "charts",
    "realcluster": "realcluster",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        rel = Path(str(item.fspath)).resolve().relative_to(ROOT)
        markers = _FOLDER_MARKERS.get(rel.parts[0], ())
        for marker in (markers,) if isinstance(markers, str) else markers:
            item.add_marker(getattr(pytest.mark, marker))


@pytest.fixture(scope="session", autouse=True)
def no_card_number_written(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """At the end of the session, every file the suite's services wrote (logs, databases,
    the JetStream stores holding the events, mails; fault paths included) is scanned for
    card numbers; one found fails the session, naming the file."""
    yield
    SESSION.folder(tmp_path_factory.getbasetemp())
    if SESSION.findings:
        pytest.fail(
            "card numbers written to disk:\n" + "\n".join(str(f) for f in SESSION.findings),
            pytrace=False,
        )


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path_factory.mktemp("nats"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer(before_removal=scan_before_removal)
    server.start()
    yield server
    server.stop()


_db_counter = itertools.count()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh empty database: a SQLite file, or a new database on the test PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(f"t{next(_db_counter)}")


@pytest.fixture
def nats(tmp_path: Path) -> Iterator[NatsServer]:
    """A NATS server of this test's own (starts in milliseconds): no events leak between tests."""
    server = NatsServer(tmp_path / "nats")
    server.start()
    yield server
    server.stop()
