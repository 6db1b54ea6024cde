"""The Shop CRD: generated from the operator's model, committed fresh, and helpful."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from mercado_operator import crd
from mercado_operator.model import ShopSpec
from mercado_operator.values import chart_values, enabled_services, target_tags

ROOT = Path(__file__).resolve().parents[2]


def _fields(schema: dict[str, Any], path: str = "spec") -> list[tuple[str, dict[str, Any]]]:
    found = [(path, schema)]
    for name, prop in (schema.get("properties") or {}).items():
        found += _fields(prop, f"{path}.{name}")
    if isinstance(schema.get("additionalProperties"), dict):
        found += _fields(schema["additionalProperties"], f"{path}.*")
    if isinstance(schema.get("items"), dict):
        found += _fields(schema["items"], f"{path}[]")
    return found


def test_committed_crds_are_fresh() -> None:
    assert crd.main(["--check", "--root", str(ROOT)]) == 0, "run: python -m mercado_operator.crd"


def test_every_field_has_a_description_and_a_type() -> None:
    version = crd.crd()["spec"]["versions"][0]
    root = version["schema"]["openAPIV3Schema"]
    for path, schema in _fields(root["properties"]["spec"]) + _fields(
        root["properties"]["status"], "status"
    ):
        assert schema.get("description"), f"{path} has no description"
        assert schema.get("type"), f"{path} has no type"


def test_crd_names_columns_and_subresource() -> None:
    spec = crd.crd()["spec"]
    assert spec["names"]["shortNames"] == ["shop"]
    assert spec["names"]["categories"] == ["mercado"]
    version = spec["versions"][0]
    assert version["subresources"] == {"status": {}}
    names = [c["name"] for c in version["additionalPrinterColumns"]]
    assert names[:3] == ["Ready", "Version", "Services"] and "Age" in names


def test_crd_carries_cel_rules_and_bounds() -> None:
    text = yaml.safe_dump(crd.crd())
    assert "self.minReplicas <= self.maxReplicas" in text
    assert "!(has(self.managed) && has(self.external))" in text
    spec = crd.crd()["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"]
    catalog = spec["properties"]["services"]["properties"]["catalog"]["properties"]
    assert catalog["replicas"]["minimum"] == 0 and catalog["replicas"]["maximum"] == 50
    assert catalog["replicas"]["default"] == 1


def test_model_refuses_what_the_crd_refuses() -> None:
    with pytest.raises(ValidationError):
        ShopSpec.model_validate({"services": {"catalog": {"replicas": -1}}})
    with pytest.raises(ValidationError):
        ShopSpec.model_validate({"bogus": 1})


def test_values_follow_the_spec() -> None:
    spec = ShopSpec.model_validate(
        {
            "version": "0.2.0",
            "services": {
                "orders": {"image": {"tag": "0.1.9"}, "replicas": 3},
                "catalog": {"autoscaling": {"enabled": True, "maxReplicas": 9}},
                "payment": {"bank": {"url": "https://bank.example"}},
                "notifications": {"smtp": {"host": "mail.example", "from": "a@b.c"}},
            },
            "database": {"external": {"secretName": "dsns"}},
            "messaging": {"external": {"url": "nats://nats.example:4222"}},
        }
    )
    tags = target_tags(spec)
    assert tags["orders"] == "0.1.9" and tags["catalog"] == "0.2.0"
    values = chart_values("demo", spec, tags)
    assert values["global"]["image"]["tag"] == "0.2.0"
    assert values["global"]["labels"] == {"mercado.dev/shop": "demo"}
    assert values["global"]["secrets"]["existingSecret"] == "demo-mercado-secrets"
    assert values["orders"]["replicas"] == 3 and values["orders"]["image"]["tag"] == "0.1.9"
    assert values["catalog"]["autoscaling"]["maxReplicas"] == 9
    assert values["bank"]["enabled"] is False and "bank" not in enabled_services(spec)
    assert values["notifications"]["smtp"]["from"] == "a@b.c"
    assert values["mailcatcher"]["enabled"] is False
    assert values["database"]["managed"]["enabled"] is False
    assert values["database"]["external"]["secretName"] == "dsns"
    assert values["messaging"]["managed"]["enabled"] is False
    assert values["messaging"]["external"]["url"] == "nats://nats.example:4222"


def test_minimal_spec_runs_everything_managed() -> None:
    spec = ShopSpec.model_validate({})
    values = chart_values("demo", spec, target_tags(spec))
    assert enabled_services(spec) == [
        "catalog", "inventory", "orders", "payment", "notifications", "gateway", "bank"
    ]  # fmt: skip
    assert values["database"]["managed"]["enabled"] is True
    assert values["messaging"]["managed"]["enabled"] is True
    assert values["mailcatcher"]["enabled"] is True


def test_the_shop_has_a_section_for_every_service_of_the_topology() -> None:
    from mercado_operator.model import SERVICES
    from mercado_operator.rollout import ORDER
    from mercado_topology import SHOP

    assert set(SERVICES) == {c.name for c in SHOP.services} == set(ORDER)
