"""What a caller is told when a dependency does not answer: a 503 naming the dependency and
asking to retry, without the internal reason (which goes to the logs and metrics)."""

from __future__ import annotations

from mercado_toolkit.http_client import DependencyUnavailable, unavailable_error


def test_the_reason_stays_inside_and_the_caller_is_asked_to_retry() -> None:
    exc = DependencyUnavailable("payment", "ClientConnectorError")
    assert (exc.dependency, exc.reason) == ("payment", "ClientConnectorError")
    assert str(exc) == "payment unavailable: ClientConnectorError"
    error = unavailable_error(exc)
    assert (error.status, error.code) == (503, "dependency_unavailable")
    assert error.message == "payment is unavailable, try again shortly"
    assert "ClientConnectorError" not in error.message
