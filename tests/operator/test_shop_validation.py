"""The API server refuses invalid Shops (schema bounds, enums, patterns, CEL rules), naming
the field, before the operator ever sees them."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.operator.conftest import Operator


def _at(path: str, value: Any) -> dict[str, Any]:
    """{"a": {"b": value}} for "a.b"."""
    for part in reversed(path.split(".")):
        value = {part: value}
    return dict(value)


CATALOG = "services.catalog"
# (spec, the field the API server's message must name)
INVALID: list[tuple[dict[str, Any], str]] = [
    (_at(f"{CATALOG}.replicas", -1), "spec.services.catalog.replicas"),
    (_at("services.orders.replicas", 500), "spec.services.orders.replicas"),
    (
        _at(f"{CATALOG}.autoscaling", {"minReplicas": 5, "maxReplicas": 2}),
        "spec.services.catalog.autoscaling.minReplicas",
    ),
    (
        _at("services.inventory.autoscaling.targetCPUUtilization", 0),
        "spec.services.inventory.autoscaling.targetCPUUtilization",
    ),
    (
        {"database": {"managed": {"storage": "1Gi"}, "external": {"secretName": "dsn"}}},
        "spec.database",
    ),
    ({"messaging": {"managed": {}, "external": {"url": "nats://n:4222"}}}, "spec.messaging"),
    ({"version": "not a tag!"}, "spec.version"),
    (_at("services.gateway.service.type", "Magic"), "spec.services.gateway.service.type"),
    (_at("services.gateway.service.nodePort", 80), "spec.services.gateway.service.nodePort"),
    (_at("services.notifications.smtp.port", 70000), "spec.services.notifications.smtp.port"),
    (_at("services.payment.bank.url", "ftp://bank"), "spec.services.payment.bank.url"),
    (
        _at("services.payment.bank.timeoutSeconds", 0),
        "spec.services.payment.bank.timeoutSeconds",
    ),
    (_at("observability.tracing.sampleRatio", 1.5), "spec.observability.tracing.sampleRatio"),
    (
        _at(f"{CATALOG}.resources", {"requests": {"memory": "512Mi"}, "limits": {"memory": "1Mi"}}),
        "spec.services.catalog.resources.limits.memory",
    ),
    (_at("services.gateway.ingress.enabled", True), "spec.services.gateway.ingress.host"),
    ({"database": {"external": {}}}, "spec.database.external.secretName"),
    (_at("rollout.timeoutSeconds", 1), "spec.rollout.timeoutSeconds"),
]


@pytest.mark.parametrize(("spec", "field"), INVALID, ids=[f for _, f in INVALID])
def test_invalid_shop_is_refused_naming_the_field(
    operator: Operator, k8s_namespace: str, spec: dict[str, Any], field: str
) -> None:
    shop = {"apiVersion": "mercado.dev/v1alpha1", "kind": "Shop",
            "metadata": {"name": "bad"}, "spec": spec}  # fmt: skip
    result = operator.cluster.kubectl(
        "-n", k8s_namespace, "apply", "-f", "-", input=yaml.safe_dump(shop), check=False
    )
    assert result.returncode != 0, f"accepted: {spec}"
    assert "is invalid" in result.stderr or "Invalid value" in result.stderr, result.stderr
    assert field in result.stderr, result.stderr
    missing = operator.cluster.kubectl("-n", k8s_namespace, "get", "shop", "bad", check=False)
    assert missing.returncode != 0


def test_defaults_are_filled_by_the_api_server(operator: Operator, k8s_namespace: str) -> None:
    shop = {"apiVersion": "mercado.dev/v1alpha1", "kind": "Shop",
            "metadata": {"name": "defaults"}, "spec": {"paused": True}}  # fmt: skip
    operator.cluster.kubectl("-n", k8s_namespace, "apply", "-f", "-", input=yaml.safe_dump(shop))
    got = yaml.safe_load(
        operator.cluster.kubectl(
            "-n", k8s_namespace, "get", "shop", "defaults", "-o", "yaml"
        ).stdout
    )
    assert got["spec"]["version"] == "0.1.0"
    assert got["spec"]["services"]["catalog"]["replicas"] == 1
    assert got["spec"]["services"]["catalog"]["autoscaling"]["maxReplicas"] == 5
    explained = operator.cluster.kubectl("explain", "shop.spec.services.catalog").stdout
    assert "autoscaling" in explained and "replicas" in explained
