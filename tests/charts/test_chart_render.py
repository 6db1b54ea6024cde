"""What the umbrella chart renders: wiring, NetworkPolicies, Pod Security, labels, options."""

from __future__ import annotations

from typing import Any

import pytest

from mercado_topology import SHOP
from tests.charts.helm import UMBRELLA, by_kind, render
from tests.charts.settings import env_names

SERVICES = [c.name for c in SHOP.services]
# Standard variables read by OpenTelemetry's SDK (see mercado_toolkit.tracing) and helpers
# the chart composes other variables from.
NOT_SETTINGS = {
    "OTEL_SERVICE_NAME",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_TRACES_SAMPLER",
    "OTEL_TRACES_SAMPLER_ARG",
    "DATABASE_PASSWORD",
}


@pytest.fixture(scope="module")
def shop() -> list[dict[str, Any]]:
    return render()


def ingress_rules(objects: list[dict[str, Any]], component: str) -> list[dict[str, Any]]:
    policy = by_kind(objects, "NetworkPolicy")[f"demo-{component}"]
    assert policy["spec"]["policyTypes"] == ["Ingress"]
    assert policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == component
    return policy["spec"].get("ingress") or []


def admitted(objects: list[dict[str, Any]], component: str) -> set[str]:
    """The components of the shop a component's NetworkPolicy lets in ("*": anyone)."""
    names = set()
    for rule in ingress_rules(objects, component):
        if "from" not in rule:
            names.add("*")
        for peer in rule.get("from", []):
            assert set(peer) == {"podSelector"}, f"{component} admits {peer} from outside"
            labels = peer["podSelector"]["matchLabels"]
            assert labels["app.kubernetes.io/instance"] == "demo"
            names.add(labels["app.kubernetes.io/name"])
    return names


def test_payment_admits_only_orders(shop: list[dict[str, Any]]) -> None:
    assert admitted(shop, "payment") == {"orders"}


def test_bank_admits_only_payment(shop: list[dict[str, Any]]) -> None:
    assert admitted(shop, "bank") == {"payment"}


def test_only_the_gateway_admits_traffic_from_outside(shop: list[dict[str, Any]]) -> None:
    policies = by_kind(shop, "NetworkPolicy")
    selected = {
        p["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for p in policies.values()
    }
    workloads = {
        o["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]
        for o in shop
        if o["kind"] in ("Deployment", "StatefulSet")
    }
    assert workloads <= selected, f"pods without a NetworkPolicy: {workloads - selected}"
    public = {name for name in selected if "*" in admitted(shop, name)}
    assert public == {"gateway"}
    assert admitted(shop, "catalog") == {"orders", "gateway"}
    assert admitted(shop, "notifications") == set()
    assert admitted(shop, "postgresql") == {c.name for c in SHOP.services if c.database}
    assert admitted(shop, "mailcatcher") == {"notifications"}
    assert {c.name for c in SHOP.services if c.messaging} <= admitted(shop, "nats")


def test_every_variable_the_chart_sets_is_a_real_setting(shop: list[dict[str, Any]]) -> None:
    configmaps = by_kind(shop, "ConfigMap")
    for name in SERVICES:
        deployment = by_kind(shop, "Deployment")[f"demo-{name}"]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        names = set(configmaps[f"demo-{name}"]["data"]) | {e["name"] for e in container["env"]}
        unknown = names - env_names(name) - NOT_SETTINGS
        assert not unknown, f"{name}: the chart sets {unknown}, which {name} does not read"


def test_callers_present_the_token_their_callee_accepts(shop: list[dict[str, Any]]) -> None:
    def secret_keys(service: str) -> dict[str, str]:
        deployment = by_kind(shop, "Deployment")[f"demo-{service}"]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        return {
            e["name"]: e["valueFrom"]["secretKeyRef"]["key"]
            for e in container["env"]
            if "valueFrom" in e
        }

    assert secret_keys("payment")["MERCADO_PAYMENT_BANK__TOKEN"] == "payment-token"
    assert secret_keys("bank")["MERCADO_BANK_ACCEPTED_CALLERS__PAYMENT"] == "payment-token"
    assert secret_keys("orders")["MERCADO_ORDERS_INVENTORY__TOKEN"] == "orders-token"
    assert secret_keys("inventory")["MERCADO_INVENTORY_ACCEPTED_CALLERS__ORDERS"] == "orders-token"
    assert secret_keys("orders")["MERCADO_ORDERS_PAYMENT__TOKEN"] == "orders-token"
    assert secret_keys("payment")["MERCADO_PAYMENT_ACCEPTED_CALLERS__ORDERS"] == "orders-token"
    config = by_kind(shop, "ConfigMap")
    assert (
        config["demo-orders"]["data"]["MERCADO_ORDERS_PAYMENT__URL"] == "http://demo-payment:8104"
    )
    assert config["demo-payment"]["data"]["MERCADO_PAYMENT_BANK__URL"] == "http://demo-bank:8109"
    assert (
        config["demo-notifications"]["data"]["MERCADO_NOTIFICATIONS_SMTP_HOST"]
        == "demo-mailcatcher"
    )


def test_pods_meet_pod_security_restricted(shop: list[dict[str, Any]]) -> None:
    workloads = [o for o in shop if o["kind"] in ("Deployment", "StatefulSet")]
    assert {o["metadata"]["name"] for o in workloads} == {f"demo-{n}" for n in SERVICES} | {
        "demo-postgresql",
        "demo-nats",
        "demo-mailcatcher",
    }
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"]:
            sc = container["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["readOnlyRootFilesystem"] is True
            assert sc["capabilities"]["drop"] == ["ALL"]
    for account in by_kind(shop, "ServiceAccount").values():
        assert account["automountServiceAccountToken"] is False


def test_services_are_probed_and_sized(shop: list[dict[str, Any]]) -> None:
    for name in SERVICES:
        deployment = by_kind(shop, "Deployment")[f"demo-{name}"]
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["image"] == f"mercado/{name}:0.1.0"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["resources"]["requests"] == {"cpu": "50m", "memory": "128Mi"}
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert {"checksum/config", "checksum/secret"} <= set(annotations)
        assert deployment["spec"]["replicas"] == 1


def test_every_object_is_labelled() -> None:
    objects = render(sets=["global.labels.mercado\\.dev/shop=demo"])
    for o in objects:
        labels = o["metadata"]["labels"]
        assert labels["app.kubernetes.io/part-of"] == "mercado", o["metadata"]["name"]
        assert labels["app.kubernetes.io/instance"] == "demo"
        assert labels["app.kubernetes.io/managed-by"] == "Helm"
        assert {"app.kubernetes.io/name", "app.kubernetes.io/component"} <= set(labels)
        assert labels["app.kubernetes.io/version"]
        assert labels["mercado.dev/shop"] == "demo"


def test_gateway_is_the_storefront_on_node_port_30080(shop: list[dict[str, Any]]) -> None:
    services = by_kind(shop, "Service")
    gateway = services["demo-gateway"]["spec"]
    assert gateway["type"] == "NodePort"
    assert gateway["ports"][0]["nodePort"] == 30080
    assert all(
        s["spec"].get("type", "ClusterIP") == "ClusterIP"
        for n, s in services.items()
        if n != "demo-gateway"
    )
    assert not by_kind(shop, "Ingress")
    ingress = by_kind(render(values=[UMBRELLA / "ci/observability-values.yaml"]), "Ingress")
    assert ingress["demo-gateway"]["spec"]["rules"][0]["host"] == "shop.example.com"


def test_autoscaling_replaces_the_replica_count() -> None:
    objects = render(values=[UMBRELLA / "ci/autoscaling-values.yaml"])
    hpas = by_kind(objects, "HorizontalPodAutoscaler")
    assert set(hpas) == {"demo-catalog", "demo-gateway"}
    assert hpas["demo-catalog"]["spec"]["minReplicas"] == 2
    assert hpas["demo-catalog"]["spec"]["scaleTargetRef"]["name"] == "demo-catalog"
    deployments = by_kind(objects, "Deployment")
    assert "replicas" not in deployments["demo-catalog"]["spec"]
    assert deployments["demo-orders"]["spec"]["replicas"] == 3
    nats = by_kind(objects, "StatefulSet")["demo-nats"]
    assert nats["spec"]["replicas"] == 3
    args = nats["spec"]["template"]["spec"]["containers"][0]["args"]
    assert any(a.startswith("--routes=") and "demo-nats-2.demo-nats-headless" in a for a in args)


def test_monitoring_objects_only_when_their_api_exists() -> None:
    values = [UMBRELLA / "ci/observability-values.yaml"]
    without = render(values=values)
    assert not [o for o in without if o["kind"] in ("ServiceMonitor", "PrometheusRule")]
    with_api = render(values=values, api_versions=["monitoring.coreos.com/v1"])
    monitors = by_kind(with_api, "ServiceMonitor")
    assert set(monitors) == {f"demo-{n}" for n in SERVICES}
    config = by_kind(with_api, "ConfigMap")["demo-orders"]["data"]
    assert config["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector.observability:4318"


def test_external_database_messaging_and_secret() -> None:
    objects = render(values=[UMBRELLA / "ci/external-values.yaml"])
    assert not by_kind(objects, "StatefulSet")
    assert not by_kind(objects, "Secret")
    deployments = by_kind(objects, "Deployment")
    assert "shop-bank" not in deployments and "shop-mailcatcher" not in deployments
    (container,) = deployments["shop-orders"]["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    ref = env["MERCADO_ORDERS_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert ref == {"name": "shop-databases", "key": "orders"}
    assert env["MERCADO_ORDERS_ADMIN_TOKEN"]["valueFrom"]["secretKeyRef"]["name"] == "shop-secrets"
    config = by_kind(objects, "ConfigMap")
    assert (
        config["shop-payment"]["data"]["MERCADO_PAYMENT_BANK__URL"]
        == "https://acquirer.example.com"
    )
    assert (
        config["shop-orders"]["data"]["MERCADO_ORDERS_NATS_URL"] == "nats://nats.messaging.svc:4222"
    )


def test_one_image_tag_changes_one_deployment() -> None:
    # An existing Secret: without a cluster, a generated one would differ on every render.
    secret = "global.secrets.existingSecret=demo-secrets"
    before = by_kind(render(sets=[secret]), "Deployment")
    after = by_kind(render(sets=[secret, "orders.image.tag=0.1.1"]), "Deployment")
    changed = {n for n in before if before[n]["spec"]["template"] != after[n]["spec"]["template"]}
    assert changed == {"demo-orders"}


def test_dashboards_and_alert_rules_come_from_files(shop: list[dict[str, Any]]) -> None:
    files = sorted(p.name for p in (UMBRELLA / "files/dashboards").glob("*.json"))
    dashboards = [
        o
        for o in shop
        if o["kind"] == "ConfigMap" and o["metadata"]["labels"].get("grafana_dashboard") == "1"
    ]
    assert sorted(k for d in dashboards for k in d["data"]) == files
    assert not by_kind(shop, "PrometheusRule")
    monitored = render(
        sets=["global.observability.prometheusRule=true"],
        api_versions=["monitoring.coreos.com/v1"],
    )
    (rule,) = by_kind(monitored, "PrometheusRule").values()
    assert rule["spec"]["groups"] and all(g["rules"] for g in rule["spec"]["groups"])
    quiet = render(sets=["global.observability.dashboards=false"])
    assert not [o for o in quiet if o["metadata"]["labels"].get("grafana_dashboard")]


def _runbook_urls(sets: list[str]) -> dict[str, str]:
    objects = render(
        sets=["global.observability.prometheusRule=true", *sets],
        api_versions=["monitoring.coreos.com/v1"],
    )
    (rule,) = by_kind(objects, "PrometheusRule").values()
    return {
        r["alert"]: r["annotations"]["runbook_url"]
        for g in rule["spec"]["groups"]
        for r in g["rules"]
        if "alert" in r
    }


def test_alert_runbook_links_are_absolute_under_a_setting() -> None:
    default = _runbook_urls([])
    assert len(default) == 11
    assert default["MercadoServiceDown"] == "https://mercado.dev/runbooks/MercadoServiceDown.md"
    assert all(url == f"https://mercado.dev/runbooks/{name}.md" for name, url in default.items())
    base = "global.observability.runbookBaseUrl=https://wiki.example.com/ops/mercado/"
    moved = _runbook_urls([base])
    assert moved == {name: f"https://wiki.example.com/ops/mercado/{name}.md" for name in default}


def test_the_shops_secret_holds_exactly_the_keys_the_pods_read(
    shop: list[dict[str, Any]],
) -> None:
    (secret,) = by_kind(shop, "Secret").values()
    assert sorted(secret["data"]) == sorted(SHOP.secret_keys())
    read = {
        e["valueFrom"]["secretKeyRef"]["key"]
        for o in shop
        if o["kind"] in ("Deployment", "StatefulSet")
        for c in o["spec"]["template"]["spec"]["containers"]
        for e in c.get("env", [])
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    assert read == set(SHOP.secret_keys())


@pytest.mark.parametrize("service", SERVICES)
def test_a_thin_chart_renders_its_service_as_the_umbrella_does(service: str) -> None:
    chart = UMBRELLA.parent / service
    alone = render(
        chart=chart, release=f"demo-{service}", values=[chart / "ci/default-values.yaml"]
    )
    secret = "global.secrets.existingSecret=demo-secrets"
    together = render(sets=[secret])
    for kind in ("Deployment", "Service", "NetworkPolicy", "ServiceAccount"):
        assert set(by_kind(alone, kind)) == {f"demo-{service}"}
    mine = by_kind(alone, "ConfigMap")[f"demo-{service}"]["data"]
    theirs = by_kind(together, "ConfigMap")[f"demo-{service}"]["data"]
    assert mine == theirs
    (container,) = by_kind(alone, "Deployment")[f"demo-{service}"]["spec"]["template"]["spec"][
        "containers"
    ]
    if SHOP[service].database:
        env = {e["name"]: e for e in container["env"]}
        ref = env[f"MERCADO_{service.upper()}_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "demo-databases", "key": service}
