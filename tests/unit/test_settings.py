"""Settings say which way they point, no secret has a default, and every variable a service
reads is documented in its README."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from mercado_cli.services import dev_secrets
from mercado_orders.settings import OrdersSettings
from mercado_payment.settings import PaymentSettings
from tests.charts.settings import env_names, settings_class

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["catalog", "inventory", "orders", "payment", "bank", "notifications", "gateway"]


@pytest.mark.parametrize("service", SERVICES)
def test_every_variable_is_documented_in_the_service_readme(service: str) -> None:
    readme = (ROOT / "services" / service / "README.md").read_text()
    missing = sorted(name for name in env_names(service) if f"`{name}`" not in readme)
    assert not missing, f"services/{service}/README.md does not name {missing}"


@pytest.mark.parametrize("service", SERVICES)
def test_no_secret_has_a_default(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cls = settings_class(service)
    for name in list(env_names(service)):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValidationError, match="admin_token"):
        cls()
    # Local mode's development tokens are all a service needs to start.
    for name, value in dev_secrets(service).items():
        monkeypatch.setenv(name, value)
    settings = cls()
    secrets = [v for v in settings.model_dump().values() if isinstance(v, SecretStr)]
    assert secrets, "the admin token at least"


def test_a_dependency_holds_the_token_presented_and_accepted_callers_are_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {**dev_secrets("orders"), **dev_secrets("payment")}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MERCADO_ORDERS_PAYMENT__TOKEN", "to-payment")
    monkeypatch.setenv("MERCADO_ORDERS_PAYMENT__TIMEOUT_SECONDS", "7")
    monkeypatch.setenv("MERCADO_PAYMENT_ACCEPTED_CALLERS__ORDERS", "from-orders")
    orders, payment = OrdersSettings(), PaymentSettings()
    assert orders.payment.token_value() == "to-payment"
    assert orders.payment.timeout_seconds == 7
    assert orders.payment.url == "http://127.0.0.1:8104"  # the rest keeps its defaults
    assert orders.inventory.token_value() == "orders-dev-token"
    assert orders.catalog.token is None  # catalog's reads take no token
    assert payment.accepted_callers.orders.get_secret_value() == "from-orders"
    assert payment.bank.token_value() == "payment-dev-token"  # what payment presents
