"""A Shop's spec -> the umbrella chart's values (charts/mercado, camelCase)."""

from __future__ import annotations

from typing import Any

from mercado_operator.model import SERVICES, ServiceSpec, ShopSpec

SHOP_LABEL = "mercado.dev/shop"


def secret_name(shop: str) -> str:
    """The Secret of generated tokens and passwords the operator keeps for a Shop."""
    return f"{shop}-mercado-secrets"


def target_tags(spec: ShopSpec) -> dict[str, str]:
    """The image tag each service should run: its pin, else the Shop's version."""
    return {name: (_service(spec, name).image.tag or spec.version) for name in SERVICES}


def enabled_services(spec: ShopSpec) -> list[str]:
    """Services the Shop runs (the bank simulator only without an external bank)."""
    bank = spec.services.bank.enabled and not spec.services.payment.bank.url
    return [name for name in SERVICES if name != "bank" or bank]


def _service(spec: ShopSpec, name: str) -> ServiceSpec:
    service: ServiceSpec = getattr(spec.services, name)
    return service


def _resources(service: ServiceSpec) -> dict[str, Any]:
    return service.resources.model_dump(by_alias=True, exclude_none=True)


def chart_values(shop: str, spec: ShopSpec, tags: dict[str, str]) -> dict[str, Any]:
    """The chart values for ``spec``; ``tags`` gives each service's image tag for this render
    (during a rollout some services still run the previous one)."""
    tracing = spec.observability.tracing
    values: dict[str, Any] = {
        "global": {
            "image": {"repository": spec.image_repository, "tag": spec.version,
                      "pullPolicy": "IfNotPresent"},
            "labels": {SHOP_LABEL: shop},
            "secrets": {"existingSecret": secret_name(shop)},
            "observability": {
                "dashboards": spec.observability.dashboards,
                "serviceMonitor": spec.observability.service_monitor,
                "prometheusRule": spec.observability.prometheus_rule,
                "tracing": {"otlpEndpoint": tracing.otlp_endpoint,
                            "sampleRatio": tracing.sample_ratio},
            },
        },
    }  # fmt: skip
    running = enabled_services(spec)
    for name in SERVICES:
        service = _service(spec, name)
        values[name] = {
            "enabled": name in running,
            "replicas": service.replicas,
            "image": {"tag": tags.get(name, spec.version)},
            "resources": _resources(service),
            "autoscaling": service.autoscaling.model_dump(by_alias=True),
        }
    payment = spec.services.payment
    values["payment"]["bank"] = {
        "url": payment.bank.url,
        "timeoutSeconds": payment.bank.timeout_seconds,
    }
    smtp = spec.services.notifications.smtp
    values["notifications"]["smtp"] = {"host": smtp.host, "port": smtp.port, "from": smtp.from_}
    gateway = spec.services.gateway
    values["gateway"]["service"] = gateway.service.model_dump(by_alias=True)
    values["gateway"]["ingress"] = gateway.ingress.model_dump(by_alias=True)
    external_db = spec.database.external
    managed_db = spec.database.managed
    values["database"] = {
        "managed": {
            "enabled": external_db is None,
            "storage": managed_db.storage if managed_db else "1Gi",
        },
        "external": {"secretName": external_db.secret_name if external_db else ""},
    }
    external_mq = spec.messaging.external
    managed_mq = spec.messaging.managed
    values["messaging"] = {
        "managed": {
            "enabled": external_mq is None,
            "replicas": managed_mq.replicas if managed_mq else 1,
            "storage": managed_mq.storage if managed_mq else "1Gi",
        },
        "external": {"url": external_mq.url if external_mq else ""},
    }
    values["mailcatcher"] = {"enabled": not smtp.host}
    return values
