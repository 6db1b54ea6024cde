from __future__ import annotations

import pytest
import typer

from mercado_cli.main import _ports
from mercado_cli.seed import demo_catalog


def test_port_overrides() -> None:
    ports = _ports(["catalog=9101"])
    assert ports["catalog"] == 9101 and ports["inventory"] == 8102


@pytest.mark.parametrize("bad", ["catalog", "catalog=", "nosuch=1", "catalog=0", "catalog=x"])
def test_bad_port_overrides_are_refused(bad: str) -> None:
    with pytest.raises(typer.BadParameter):
        _ports([bad])


def test_demo_catalog_is_big_enough_and_consistent() -> None:
    data = demo_catalog()
    slugs = {c["slug"] for c in data["categories"]}
    assert len(data["products"]) >= 50 and len(slugs) >= 5
    assert all(p["category"] in slugs for p in data["products"])
    assert len({p["sku"] for p in data["products"]}) == len(data["products"])
    assert all(isinstance(p["price"], int) and p["price"] > 0 for p in data["products"])
