"""The real node runs real containers: logs, exec, Service routing, DNS, restarts.

Every test namespace enforces Pod Security "restricted"; the pods run as a
non-root user with a read-only root filesystem.
"""

from __future__ import annotations

import json
import os
import signal
import urllib.request

from tests.k8s.plugin import wait_until
from tests.k8s.real_plugin import RealCluster

NODE = "mercado-node"

RESTRICTED = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}
POD_SECURITY = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}


def container(name: str, image: str, args: list[str], **extra: object) -> dict[str, object]:
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": "Never",
        "args": args,
        "securityContext": RESTRICTED,
        **extra,
    }


def apply(cluster: RealCluster, namespace: str, *objects: dict[str, object]) -> None:
    doc = json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)})
    cluster.kubectl("-n", namespace, "apply", "-f", "-", input=doc)


def web_deployment(name: str, image: str, replicas: int) -> dict[str, object]:
    """busybox httpd serving a page that names the pod it runs in."""
    script = (
        'mkdir -p /tmp/www && echo "hello from $(hostname)" > /tmp/www/index.html'
        " && exec httpd -f -p 8080 -h /tmp/www"
    )
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "securityContext": POD_SECURITY,
                    "terminationGracePeriodSeconds": 1,
                    "containers": [
                        container(
                            "web",
                            image,
                            ["sh", "-c", script],
                            ports=[{"containerPort": 8080}],
                            volumeMounts=[{"name": "tmp", "mountPath": "/tmp"}],
                            readinessProbe={
                                "httpGet": {"path": "/", "port": 8080},
                                "periodSeconds": 1,
                            },
                        )
                    ],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }


def service(name: str, type_: str = "ClusterIP", node_port: int | None = None) -> dict[str, object]:
    port: dict[str, object] = {"port": 80, "targetPort": 8080}
    if node_port:
        port["nodePort"] = node_port
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"type": type_, "selector": {"app": name}, "ports": [port]},
    }


def pod_names(cluster: RealCluster, namespace: str, app: str) -> list[str]:
    out = cluster.kubectl(
        "-n",
        namespace,
        "get",
        "pods",
        "-l",
        f"app={app}",
        "-o",
        "jsonpath={.items[*].metadata.name}",
    ).stdout
    return out.split()


def rollout(cluster: RealCluster, namespace: str, name: str) -> None:
    cluster.kubectl(
        "-n", namespace, "rollout", "status", f"deployment/{name}", "--timeout=180s", timeout=200
    )


def test_the_node_is_real_and_ready_with_coredns_running(real_cluster: RealCluster) -> None:
    node = json.loads(real_cluster.kubectl("get", "node", NODE, "-o", "json").stdout)
    info = node["status"]["nodeInfo"]
    assert info["containerRuntimeVersion"].startswith("containerd://")
    assert info["kubeletVersion"].startswith("v1.")
    ready = {c["type"]: c["status"] for c in node["status"]["conditions"]}["Ready"]
    assert ready == "True"
    pods = json.loads(
        real_cluster.kubectl(
            "-n", "kube-system", "get", "pods", "-l", "k8s-app=kube-dns", "-o", "json"
        ).stdout
    )["items"]
    assert [p["status"]["phase"] for p in pods] == ["Running"]


def test_a_pod_from_a_local_image_runs_logs_and_exec(
    real_cluster: RealCluster, real_namespace: str, testbox_image: str
) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "hello"},
        "spec": {
            "securityContext": POD_SECURITY,
            "terminationGracePeriodSeconds": 1,
            "containers": [
                container(
                    "hello",
                    testbox_image,
                    ["sh", "-c", "echo hello from the real node; exec sleep 3600"],
                )
            ],
        },
    }
    apply(real_cluster, real_namespace, pod)
    real_cluster.kubectl(
        "-n",
        real_namespace,
        "wait",
        "--for=condition=Ready",
        "pod/hello",
        "--timeout=120s",
        timeout=150,
    )
    logs = real_cluster.kubectl("-n", real_namespace, "logs", "hello").stdout
    assert "hello from the real node" in logs

    # Non-root, and the root filesystem refuses writes.
    uid = real_cluster.kubectl(
        "-n", real_namespace, "exec", "hello", "--", "/bin/busybox", "id", "-u"
    )
    assert uid.stdout.strip() == "65532"
    write = real_cluster.kubectl(
        "-n",
        real_namespace,
        "exec",
        "hello",
        "--",
        "/bin/busybox",
        "touch",
        "/written",
        check=False,
    )
    assert write.returncode != 0
    assert "Read-only file system" in write.stderr


def test_pod_security_restricted_refuses_a_root_pod(
    real_cluster: RealCluster, real_namespace: str, testbox_image: str
) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "root"},
        "spec": {
            "containers": [
                {
                    "name": "root",
                    "image": testbox_image,
                    "args": ["sleep", "60"],
                    "securityContext": {"runAsUser": 0},
                }
            ]
        },
    }
    result = real_cluster.kubectl(
        "-n", real_namespace, "apply", "-f", "-", input=json.dumps(pod), check=False
    )
    assert result.returncode != 0
    assert 'violates PodSecurity "restricted' in result.stderr


def test_pods_reach_each_other_through_a_cluster_ip_service_by_dns_name(
    real_cluster: RealCluster, real_namespace: str, testbox_image: str
) -> None:
    apply(real_cluster, real_namespace, web_deployment("web", testbox_image, 2), service("web"))
    rollout(real_cluster, real_namespace, "web")
    pods = pod_names(real_cluster, real_namespace, "web")
    assert len(pods) == 2
    name = f"web.{real_namespace}.svc.cluster.local"
    cluster_ip = real_cluster.kubectl(
        "-n", real_namespace, "get", "service", "web", "-o", "jsonpath={.spec.clusterIP}"
    ).stdout
    seen: set[str] = set()

    def exec_in(pod: str, *cmd: str) -> str:
        return real_cluster.kubectl(
            "-n", real_namespace, "exec", pod, "--", "/bin/busybox", *cmd
        ).stdout

    def resolved() -> str | None:
        # busybox's own resolver, against the pod's resolv.conf (CoreDNS's Service).
        out = exec_in(pods[0], "nslookup", name)
        answer = out.split(f"Name:\t{name}", 1)[-1] if name in out else ""
        addresses = [line.split()[-1] for line in answer.splitlines() if line.startswith("Address")]
        return addresses[0] if addresses else None

    address = wait_until(resolved, timeout=60, what=f"{name} resolved in a pod")
    assert address == cluster_ip

    def both_pods_answered() -> bool:
        # From the first pod, to the address the name resolved to: the Service's ClusterIP.
        # (A static busybox's wget crashes without glibc's NSS modules; nc does not need them.)
        request = f"printf 'GET / HTTP/1.0\\r\\nHost: {name}\\r\\n\\r\\n' | nc -w 5 {address} 80"
        body = exec_in(pods[0], "sh", "-c", request).strip().splitlines()[-1]
        assert body.startswith("hello from "), body
        seen.add(body.removeprefix("hello from "))
        return seen == set(pods)

    wait_until(both_pods_answered, timeout=120, what=f"both pods answering through {name}")


def test_a_node_port_service_routes_to_its_pods(
    real_cluster: RealCluster, real_namespace: str, testbox_image: str
) -> None:
    published = 30080
    host_port = real_cluster.published[published]
    apply(
        real_cluster,
        real_namespace,
        web_deployment("web", testbox_image, 1),
        service("web", "NodePort", node_port=published),
    )
    rollout(real_cluster, real_namespace, "web")
    [pod] = pod_names(real_cluster, real_namespace, "web")
    try:
        # Inside the cluster's network: the node's address and the NodePort (kube-proxy
        # programs the port a moment after the pod is ready: wait for it to answer).
        def inside() -> str | None:
            answer = real_cluster.in_netns(
                "python3",
                "-c",
                "import urllib.request; print(urllib.request.urlopen("
                f"'http://10.211.0.1:{published}/', timeout=5).read().decode())",
                check=False,
            )
            return answer.stdout.strip() if answer.returncode == 0 else None

        answered = wait_until(inside, timeout=60, what=f"NodePort {published} answering")
        assert answered == f"hello from {pod}"
        # From the host, through the port published on 127.0.0.1.
        with urllib.request.urlopen(f"http://127.0.0.1:{host_port}/", timeout=10) as resp:
            assert resp.read().decode().strip() == f"hello from {pod}"
    finally:
        # NodePorts are cluster-wide: free this one for the next test at once.
        real_cluster.kubectl("-n", real_namespace, "delete", "service", "web", "--wait=true")


def test_a_killed_container_and_a_deleted_pod_are_replaced(
    real_cluster: RealCluster, real_namespace: str, testbox_image: str
) -> None:
    apply(real_cluster, real_namespace, web_deployment("web", testbox_image, 1))
    rollout(real_cluster, real_namespace, "web")
    [pod] = pod_names(real_cluster, real_namespace, "web")

    # Kill the container's process from the node: the kubelet restarts it.
    container_id = real_cluster.kubectl(
        "-n",
        real_namespace,
        "get",
        "pod",
        pod,
        "-o",
        "jsonpath={.status.containerStatuses[0].containerID}",
    ).stdout.removeprefix("containerd://")
    # ctr's task list: TASK PID STATUS, one container a line.
    tasks = (line.split() for line in real_cluster.ctr("tasks", "ls").stdout.splitlines())
    [pid] = [t[1] for t in tasks if t and t[0] == container_id]
    os.kill(int(pid), signal.SIGKILL)

    def restarted() -> bool:
        status = json.loads(
            real_cluster.kubectl("-n", real_namespace, "get", "pod", pod, "-o", "json").stdout
        )["status"]
        cs = status["containerStatuses"][0]
        return cs["restartCount"] >= 1 and cs["ready"]

    wait_until(restarted, timeout=120, what=f"{pod} restarted by the kubelet")

    # Delete the pod: its Deployment replaces it with a new one.
    real_cluster.kubectl("-n", real_namespace, "delete", "pod", pod, "--wait=false")

    def replaced() -> bool:
        ready = real_cluster.kubectl(
            "-n",
            real_namespace,
            "get",
            "pods",
            "-l",
            "app=web",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.status.containerStatuses[0].ready} {end}",
        ).stdout.split()
        return any(entry.endswith("=true") and not entry.startswith(f"{pod}=") for entry in ready)

    wait_until(replaced, timeout=120, what="a new pod replacing the deleted one")
