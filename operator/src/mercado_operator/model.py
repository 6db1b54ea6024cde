"""The Shop resource's spec and status: the one source of the CRD's schema.

The operator reads a Shop through these models, and ``crd.py`` turns the same models into
the CustomResourceDefinition's OpenAPI schema (descriptions, defaults, enums, bounds and the
CEL rules attached here with ``x-kubernetes-validations``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from mercado_operator import __version__

SERVICES = ("catalog", "inventory", "orders", "payment", "notifications", "gateway", "bank")

_TAG = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"
_QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$"
_STORAGE = r"^[0-9]+(Mi|Gi|Ti)$"
_URL = r"^(https?|nats|tls)://[^\s]+$"
_NAME = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"


def _rules(*rules: tuple[str, str, str]) -> dict[str, Any]:
    """CEL rules (rule, message, fieldPath) for ``json_schema_extra``."""
    return {
        "x-kubernetes-validations": [
            {"rule": rule, "message": message, **({"fieldPath": path} if path else {})}
            for rule, message, path in rules
        ]
    }


def _obj(model: type[BaseModel], description: str) -> Any:
    """A nested object defaulted as a whole when left out (spelled out in full: the API
    server checks a default against the CEL rules before defaulting inside it)."""
    default = model().model_dump(by_alias=True, exclude_none=True, mode="json")
    return Field(
        default_factory=model, description=description, json_schema_extra={"default": default}
    )


class Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class ImagePin(Model):
    tag: str = Field(
        "", max_length=128, description="Image tag for this service; empty uses spec.version."
    )


class ResourceAmounts(Model):
    cpu: str | None = Field(None, pattern=_QUANTITY, description="CPU, e.g. 50m or 1.")
    memory: str | None = Field(None, pattern=_QUANTITY, description="Memory, e.g. 128Mi.")


class Resources(Model):
    model_config = ConfigDict(
        json_schema_extra=_rules(
            (
                "!has(self.requests) || !has(self.limits) || !has(self.requests.memory)"
                " || !has(self.limits.memory)"
                " || quantity(self.limits.memory).compareTo(quantity(self.requests.memory)) >= 0",
                "limits.memory must not be below requests.memory",
                ".limits.memory",
            ),
            (
                "!has(self.requests) || !has(self.limits) || !has(self.requests.cpu)"
                " || !has(self.limits.cpu)"
                " || quantity(self.limits.cpu).compareTo(quantity(self.requests.cpu)) >= 0",
                "limits.cpu must not be below requests.cpu",
                ".limits.cpu",
            ),
        )
    )
    requests: ResourceAmounts = Field(
        default_factory=lambda: ResourceAmounts(cpu="50m", memory="128Mi"),
        description="What the scheduler reserves for each pod.",
        json_schema_extra={"default": {"cpu": "50m", "memory": "128Mi"}},
    )
    limits: ResourceAmounts = Field(
        default_factory=lambda: ResourceAmounts(memory="256Mi"),
        description="The most each pod may use.",
        json_schema_extra={"default": {"memory": "256Mi"}},
    )


class Autoscaling(Model):
    model_config = ConfigDict(
        json_schema_extra=_rules(
            (
                "self.minReplicas <= self.maxReplicas",
                "minReplicas must not exceed maxReplicas",
                ".minReplicas",
            )
        )
    )
    enabled: bool = Field(
        False, description="Scale on CPU with a HorizontalPodAutoscaler instead of replicas."
    )
    min_replicas: int = Field(1, ge=1, le=100, description="Fewest pods the autoscaler keeps.")
    max_replicas: int = Field(5, ge=1, le=100, description="Most pods the autoscaler starts.")
    target_cpu_utilization: int = Field(
        70,
        ge=1,
        le=100,
        alias="targetCPUUtilization",
        description="Average CPU use (percent of requests) to aim for.",
    )


class ServiceSpec(Model):
    replicas: int = Field(
        1, ge=0, le=50, description="Pods to run (ignored while autoscaling is enabled)."
    )
    image: ImagePin = _obj(ImagePin, "Per-service image pin.")
    resources: Resources = _obj(Resources, "CPU and memory requests and limits of each pod.")
    autoscaling: Autoscaling = _obj(Autoscaling, "CPU-based autoscaling.")


class BankLink(Model):
    url: str = Field(
        "",
        pattern=r"^$|" + _URL,
        max_length=512,
        description="The bank's base URL; empty runs the shop's own bank simulator.",
    )
    timeout_seconds: float = Field(
        2, gt=0, le=60, description="How long payment waits for the bank, in seconds."
    )


class PaymentSpec(ServiceSpec):
    bank: BankLink = _obj(BankLink, "Where payment reaches the bank.")


class Smtp(Model):
    host: str = Field(
        "",
        max_length=253,
        description="SMTP server host; empty runs the shop's own mail catcher.",
    )
    port: int = Field(1025, ge=1, le=65535, description="SMTP server port.")
    from_: str = Field(
        "shop@mercado.local",
        alias="from",
        pattern=r"^[^@\s]+@[^@\s]+$",
        description="Sender address of the shop's mails.",
    )


class NotificationsSpec(ServiceSpec):
    smtp: Smtp = _obj(Smtp, "Where notifications sends mail.")


class GatewayExposure(Model):
    type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = Field(
        "NodePort", description="Kind of Service in front of the storefront."
    )
    node_port: int = Field(
        30080, ge=30000, le=32767, description="Node port, when type is NodePort."
    )


class Ingress(Model):
    model_config = ConfigDict(
        json_schema_extra=_rules(
            ("!self.enabled || self.host != ''", "ingress.host is required when enabled", ".host")
        )
    )
    enabled: bool = Field(False, description="Publish the storefront through an Ingress.")
    class_name: str = Field("", max_length=253, description="IngressClass to use.")
    host: str = Field("", max_length=253, description="Host name the Ingress serves.")


class GatewaySpec(ServiceSpec):
    service: GatewayExposure = _obj(GatewayExposure, "The storefront's Service.")
    ingress: Ingress = _obj(Ingress, "An optional Ingress for the storefront.")


class BankSpec(ServiceSpec):
    enabled: bool = Field(
        True, description="Run the bank simulator (only used when payment.bank.url is empty)."
    )


class Services(Model):
    catalog: ServiceSpec = _obj(ServiceSpec, "The product catalog.")
    inventory: ServiceSpec = _obj(ServiceSpec, "Stock levels and reservations.")
    orders: ServiceSpec = _obj(ServiceSpec, "Checkout and order history.")
    payment: PaymentSpec = _obj(PaymentSpec, "Payments, through the bank.")
    notifications: NotificationsSpec = _obj(NotificationsSpec, "Order mails.")
    gateway: GatewaySpec = _obj(GatewaySpec, "The storefront and public API.")
    bank: BankSpec = _obj(BankSpec, "The bank simulator.")


class ManagedDatabase(Model):
    storage: str = Field("1Gi", pattern=_STORAGE, description="Volume size, e.g. 1Gi.")


class ExternalDatabase(Model):
    secret_name: str = Field(
        ...,
        min_length=1,
        max_length=253,
        pattern=_NAME,
        description="Secret holding one DSN per service, under keys named after the services.",
    )


class Database(Model):
    model_config = ConfigDict(
        json_schema_extra=_rules(
            (
                "!(has(self.managed) && has(self.external))",
                "choose either a managed or an external database, not both",
                "",
            )
        )
    )
    managed: ManagedDatabase | None = Field(
        None, description="A PostgreSQL run by the shop (the default when neither is given)."
    )
    external: ExternalDatabase | None = Field(None, description="Your own PostgreSQL.")


class ManagedMessaging(Model):
    replicas: int = Field(1, ge=1, le=5, description="NATS servers to run.")
    storage: str = Field("1Gi", pattern=_STORAGE, description="JetStream volume size.")


class ExternalMessaging(Model):
    url: str = Field(..., pattern=_URL, max_length=512, description="NATS URL, e.g. nats://h:4222")


class Messaging(Model):
    model_config = ConfigDict(
        json_schema_extra=_rules(
            (
                "!(has(self.managed) && has(self.external))",
                "choose either managed or external messaging, not both",
                "",
            )
        )
    )
    managed: ManagedMessaging | None = Field(
        None, description="NATS JetStream run by the shop (the default when neither is given)."
    )
    external: ExternalMessaging | None = Field(None, description="Your own NATS JetStream.")


class Tracing(Model):
    otlp_endpoint: str = Field(
        "",
        pattern=r"^$|^https?://[^\s]+$",
        max_length=512,
        description="OTLP/HTTP endpoint for traces; empty turns tracing off.",
    )
    sample_ratio: float = Field(0.1, ge=0, le=1, description="Share of requests traced.")


class Observability(Model):
    dashboards: bool = Field(
        False, description="The Grafana dashboards as ConfigMaps for Grafana's sidecar."
    )
    service_monitor: bool = Field(False, description="Create Prometheus ServiceMonitors.")
    prometheus_rule: bool = Field(False, description="Create the shop's PrometheusRule alerts.")
    tracing: Tracing = _obj(Tracing, "Distributed tracing.")


class Rollout(Model):
    timeout_seconds: int = Field(
        180,
        ge=10,
        le=3600,
        description="How long each service may take to become available during an upgrade.",
    )


class ShopSpec(Model):
    version: str = Field(
        __version__, pattern=_TAG, description="Image tag used by every service not pinned."
    )
    paused: bool = Field(False, description="Stop making any change to the shop's children.")
    image_repository: str = Field(
        "mercado",
        min_length=1,
        max_length=253,
        pattern=r"^[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?$",
        description="Registry and prefix of the images: <imageRepository>/<service>:<tag>.",
    )
    services: Services = _obj(Services, "Per-service settings; each key is optional.")
    database: Database = _obj(Database, "The shop's PostgreSQL.")
    messaging: Messaging = _obj(Messaging, "The shop's NATS JetStream.")
    observability: Observability = _obj(Observability, "Metrics and tracing.")
    rollout: Rollout = _obj(Rollout, "How upgrades proceed.")


class Condition(Model):
    """One condition of the Shop, as kubectl wait reads them."""

    type: str = Field(..., description="Ready, Progressing or Degraded.")
    status: Literal["True", "False", "Unknown"] = Field(..., description="The condition's state.")
    reason: str = Field(..., description="CamelCase reason.")
    message: str = Field("", description="What happened, for people.")
    last_transition_time: str = Field("", description="When status last changed.")
    observed_generation: int = Field(0, description="The generation this was computed for.")


class ServiceStatus(Model):
    """One service's pods and version."""

    desired: int = Field(0, description="Pods wanted.")
    ready: int = Field(0, description="Pods ready.")
    version: str = Field("", description="Image tag running.")


class ShopStatus(Model):
    observed_generation: int = Field(0, description="The spec generation last reconciled.")
    conditions: list[Condition] = Field(
        default_factory=list, description="Ready, Progressing and Degraded."
    )
    services: dict[str, ServiceStatus] = Field(
        default_factory=dict, description="Per-service desired and ready pods, and version."
    )
    services_ready: str = Field("", description="Services available over services run.")
    version: str = Field("", description="spec.version once every service runs it.")
    url: str = Field("", description="The storefront's URL.")
