"""The test cluster itself behaves like Kubernetes: what the operator relies on.

Each test checks what a user of a real cluster would check with kubectl.
Waiting is done by polling with generous timeouts (never by timing).
"""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from tests.k8s.plugin import K8sCluster, kubectl, pinned_versions, wait_until

pytestmark = pytest.mark.cluster

# kwok never pulls images: any name will do, none is fetched.
IMAGE = "mercado.invalid/placeholder:1"


@pytest.fixture(scope="module")
def api(k8s_cluster: K8sCluster) -> client.ApiClient:
    return k8s_cluster.api_client()


def simulated_nodes(api: client.ApiClient) -> set[str]:
    nodes = client.CoreV1Api(api).list_node().items
    return {
        n.metadata.name
        for n in nodes
        if (n.metadata.annotations or {}).get("kwok.x-k8s.io/node") == "fake"
    }


def deployment(
    name: str,
    replicas: int,
    *,
    annotations: dict[str, str] | None = None,
    requests: dict[str, str] | None = None,
) -> client.V1Deployment:
    labels = {"app": name}
    return client.V1Deployment(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1DeploymentSpec(
            replicas=replicas,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels, annotations=annotations),
                spec=client.V1PodSpec(
                    containers=[
                        client.V1Container(
                            name="app",
                            image=IMAGE,
                            resources=client.V1ResourceRequirements(requests=requests),
                        )
                    ]
                ),
            ),
        ),
    )


def running_ready_pods(api: client.ApiClient, namespace: str, app: str) -> list[client.V1Pod]:
    pods = client.CoreV1Api(api).list_namespaced_pod(namespace, label_selector=f"app={app}").items
    return [
        p
        for p in pods
        if p.metadata.deletion_timestamp is None
        and p.status.phase == "Running"
        and any(c.type == "Ready" and c.status == "True" for c in p.status.conditions or [])
    ]


def test_api_server_is_ready_and_runs_the_pinned_version(k8s_cluster, api):
    assert k8s_cluster.kubectl("get", "--raw", "/readyz").stdout.strip() == "ok"
    version = client.VersionApi(api).get_code()
    assert version.git_version == pinned_versions()["K8S_VERSION"]
    # kubectl is built from the same release: its client version matches.
    out = k8s_cluster.kubectl("version", "--client", "-o", "json").stdout
    assert f'"gitVersion": "{version.git_version}"' in out


def test_simulated_nodes_are_ready(api):
    nodes = client.CoreV1Api(api).list_node().items
    ready = [
        n.metadata.name
        for n in nodes
        if any(c.type == "Ready" and c.status == "True" for c in n.status.conditions or [])
    ]
    assert len(simulated_nodes(api)) >= 2
    assert simulated_nodes(api) <= set(ready)


def test_service_account_token_authenticates_and_rbac_limits_it(
    k8s_cluster, k8s_namespace, tmp_path
):
    token = k8s_cluster.kubectl("create", "token", "default", "-n", k8s_namespace).stdout.strip()
    server = k8s_cluster.kubectl(
        "config", "view", "--raw", "-o", "jsonpath={.clusters[0].cluster.server}"
    ).stdout
    ca = k8s_cluster.kubectl(
        "config",
        "view",
        "--raw",
        "-o",
        "jsonpath={.clusters[0].cluster.certificate-authority-data}",
    ).stdout
    (tmp_path / "ca.crt").write_bytes(base64.b64decode(ca))
    (tmp_path / "empty.kubeconfig").write_text("")

    def as_service_account(*args: str):
        return kubectl(
            tmp_path / "empty.kubeconfig",
            f"--server={server}",
            f"--certificate-authority={tmp_path / 'ca.crt'}",
            f"--token={token}",
            *args,
            check=False,
        )

    whoami = as_service_account("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
    assert whoami.stdout == f"system:serviceaccount:{k8s_namespace}:default"

    denied = as_service_account("get", "pods", "-n", k8s_namespace)
    assert denied.returncode != 0
    assert "Forbidden" in denied.stderr

    k8s_cluster.kubectl(
        "create",
        "rolebinding",
        "default-view",
        "--clusterrole=view",
        f"--serviceaccount={k8s_namespace}:default",
        "-n",
        k8s_namespace,
    )
    wait_until(
        lambda: as_service_account("get", "pods", "-n", k8s_namespace).returncode == 0,
        timeout=60,
        what="the role binding to let the service account list pods",
    )


def test_deployment_gets_three_running_pods_on_simulated_nodes(api, k8s_namespace):
    apps = client.AppsV1Api(api)
    apps.create_namespaced_deployment(k8s_namespace, deployment("web", 3))

    def three_running() -> list[client.V1Pod] | None:
        pods = running_ready_pods(api, k8s_namespace, "web")
        return pods if len(pods) == 3 else None

    pods = wait_until(three_running, timeout=180, what="3 running, ready pods")
    fake_nodes = simulated_nodes(api)
    assert {p.spec.node_name for p in pods} <= fake_nodes
    assert all(p.status.pod_ip for p in pods)

    wait_until(
        lambda: (
            apps.read_namespaced_deployment("web", k8s_namespace).status.available_replicas == 3
        ),
        timeout=120,
        what="deployment to report 3 available replicas",
    )


def test_restricted_namespace_refuses_a_privileged_pod(k8s_cluster, api, k8s_namespace):
    core = client.CoreV1Api(api)

    def pod(name: str, container_security: client.V1SecurityContext) -> client.V1Pod:
        return client.V1Pod(
            metadata=client.V1ObjectMeta(name=name),
            spec=client.V1PodSpec(
                security_context=client.V1PodSecurityContext(
                    run_as_non_root=True,
                    run_as_user=1000,
                    seccomp_profile=client.V1SeccompProfile(type="RuntimeDefault"),
                ),
                containers=[
                    client.V1Container(name="app", image=IMAGE, security_context=container_security)
                ],
            ),
        )

    privileged = client.V1SecurityContext(
        privileged=True, capabilities=client.V1Capabilities(drop=["ALL"])
    )
    compliant = client.V1SecurityContext(
        allow_privilege_escalation=False, capabilities=client.V1Capabilities(drop=["ALL"])
    )

    # Without a policy the cluster admits privileged pods...
    core.create_namespaced_pod(k8s_namespace, pod("privileged-before", privileged))

    # ...labelling the namespace warns about the pod that already breaks it (admission reads
    # pods from its own cache, which may not hold a pod created a moment ago: label again)...
    deadline = time.monotonic() + 30
    while True:
        labelled = k8s_cluster.kubectl(
            "label", "namespace", k8s_namespace, "pod-security.kubernetes.io/enforce=restricted"
        )
        if "privileged-before" in labelled.stderr or time.monotonic() > deadline:
            break
        k8s_cluster.kubectl(
            "label", "namespace", k8s_namespace, "pod-security.kubernetes.io/enforce-"
        )
        time.sleep(0.5)
    assert 'existing pods in namespace "' in labelled.stderr
    assert "privileged-before" in labelled.stderr

    # ...and from then on a privileged pod is refused by Pod Security admission.
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_pod(k8s_namespace, pod("privileged", privileged))
    assert refused.value.status == 403
    message = json.loads(refused.value.body)["message"]
    assert 'violates PodSecurity "restricted:latest"' in message
    assert "must not set securityContext.privileged=true" in message

    # A pod that meets the restricted profile is still admitted.
    core.create_namespaced_pod(k8s_namespace, pod("compliant", compliant))
    names = sorted(p.metadata.name for p in core.list_namespaced_pod(k8s_namespace).items)
    assert names == ["compliant", "privileged-before"]


def test_deleting_a_deployment_garbage_collects_its_replicaset_and_pods(api, k8s_namespace):
    apps, core = client.AppsV1Api(api), client.CoreV1Api(api)
    apps.create_namespaced_deployment(k8s_namespace, deployment("gc", 2))
    wait_until(
        lambda: len(running_ready_pods(api, k8s_namespace, "gc")) == 2,
        timeout=180,
        what="2 running pods",
    )
    replicasets = apps.list_namespaced_replica_set(k8s_namespace, label_selector="app=gc").items
    assert len(replicasets) == 1
    assert replicasets[0].metadata.owner_references[0].kind == "Deployment"

    # Default propagation: the deployment goes at once, the garbage collector
    # then removes what it owned.
    apps.delete_namespaced_deployment("gc", k8s_namespace)

    wait_until(
        lambda: not apps.list_namespaced_replica_set(k8s_namespace, label_selector="app=gc").items,
        timeout=180,
        what="the ReplicaSet to be garbage-collected",
    )
    wait_until(
        lambda: not core.list_namespaced_pod(k8s_namespace, label_selector="app=gc").items,
        timeout=180,
        what="the pods to be garbage-collected",
    )


def test_crd_with_a_cel_rule_refuses_an_invalid_object(api, k8s_namespace):
    ext = client.ApiextensionsV1Api(api)
    custom = client.CustomObjectsApi(api)
    group = f"t{uuid.uuid4().hex[:8]}.mercado.test"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"shops.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "shops", "singular": "shop", "kind": "Shop"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "properties": {
                                        "minReplicas": {"type": "integer"},
                                        "maxReplicas": {"type": "integer"},
                                    },
                                    "x-kubernetes-validations": [
                                        {
                                            "rule": "self.minReplicas <= self.maxReplicas",
                                            "message": "minReplicas must not exceed maxReplicas",
                                        }
                                    ],
                                }
                            },
                        }
                    },
                }
            ],
        },
    }
    ext.create_custom_resource_definition(crd)
    try:
        wait_until(
            lambda: any(
                c.type == "Established" and c.status == "True"
                for c in ext.read_custom_resource_definition(f"shops.{group}").status.conditions
                or []
            ),
            timeout=60,
            what="the CRD to be established",
        )

        def shop(name: str, lo: int, hi: int) -> dict:
            return {
                "apiVersion": f"{group}/v1",
                "kind": "Shop",
                "metadata": {"name": name},
                "spec": {"minReplicas": lo, "maxReplicas": hi},
            }

        def create_valid() -> bool:
            try:
                custom.create_namespaced_custom_object(
                    group, "v1", k8s_namespace, "shops", shop("valid", 1, 3)
                )
            except ApiException as exc:
                if exc.status != 409:  # 409: an earlier try got through
                    raise
            return True

        # The API may take a moment to serve a just-established resource.
        wait_until(create_valid, timeout=60, what="a valid Shop to be accepted")

        with pytest.raises(ApiException) as refused:
            custom.create_namespaced_custom_object(
                group, "v1", k8s_namespace, "shops", shop("invalid", 5, 2)
            )
        assert refused.value.status == 422
        assert "minReplicas must not exceed maxReplicas" in refused.value.body
        assert [
            i["metadata"]["name"]
            for i in custom.list_namespaced_custom_object(group, "v1", k8s_namespace, "shops")[
                "items"
            ]
        ] == ["valid"]
    finally:
        ext.delete_custom_resource_definition(f"shops.{group}")


def test_hpa_computes_desired_replicas_from_pod_cpu_usage(api, k8s_namespace):
    apps = client.AppsV1Api(api)
    autoscaling = client.AutoscalingV2Api(api)
    # Each pod requests 100m CPU and (as kwok simulates from this annotation)
    # uses 250m: 250% of its request against a 50% target, so the autoscaler
    # wants ceil(1 * 250 / 50) = 5 replicas, capped at maxReplicas = 4.
    apps.create_namespaced_deployment(
        k8s_namespace,
        deployment(
            "busy", 1, annotations={"kwok.x-k8s.io/usage-cpu": "250m"}, requests={"cpu": "100m"}
        ),
    )
    autoscaling.create_namespaced_horizontal_pod_autoscaler(
        k8s_namespace,
        client.V2HorizontalPodAutoscaler(
            metadata=client.V1ObjectMeta(name="busy"),
            spec=client.V2HorizontalPodAutoscalerSpec(
                scale_target_ref=client.V2CrossVersionObjectReference(
                    api_version="apps/v1", kind="Deployment", name="busy"
                ),
                min_replicas=1,
                max_replicas=4,
                metrics=[
                    client.V2MetricSpec(
                        type="Resource",
                        resource=client.V2ResourceMetricSource(
                            name="cpu",
                            target=client.V2MetricTarget(
                                type="Utilization", average_utilization=50
                            ),
                        ),
                    )
                ],
            ),
        ),
    )

    # metrics.k8s.io reports the simulated usage of the pod...
    pod = wait_until(
        lambda: running_ready_pods(api, k8s_namespace, "busy"), timeout=180, what="the pod to run"
    )[0]
    custom = client.CustomObjectsApi(api)
    pod_metrics = wait_until(
        lambda: custom.get_namespaced_custom_object(
            "metrics.k8s.io", "v1beta1", k8s_namespace, "pods", pod.metadata.name
        ),
        timeout=180,
        interval=3,
        what="pod metrics from metrics.k8s.io",
    )
    cpu = pod_metrics["containers"][0]["usage"]["cpu"]
    assert cpu.endswith("n") or cpu.endswith("m")
    millicores = int(cpu[:-1]) / (1_000_000 if cpu.endswith("n") else 1)
    assert 200 <= millicores <= 300

    # ...and the autoscaler acts on it.
    def hpa_wanting_4() -> client.V2HorizontalPodAutoscaler | None:
        hpa = autoscaling.read_namespaced_horizontal_pod_autoscaler("busy", k8s_namespace)
        return hpa if hpa.status.desired_replicas == 4 else None

    hpa = wait_until(hpa_wanting_4, timeout=240, interval=3, what="the HPA to want 4 replicas")
    current = hpa.status.current_metrics[0].resource.current
    assert current.average_utilization >= 200
    wait_until(
        lambda: apps.read_namespaced_deployment("busy", k8s_namespace).spec.replicas == 4,
        timeout=120,
        what="the deployment to be scaled to 4",
    )
