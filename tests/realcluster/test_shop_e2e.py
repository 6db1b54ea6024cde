"""The whole shop on the real node, from the umbrella chart: orders through real pods.

The project's images (``make images``, saved with ``make images-save``) are loaded
into the node's containerd; ``helm install`` of ``charts/mercado`` runs every
service, PostgreSQL, NATS and the mail catcher as real containers under Pod
Security "restricted". An order placed through the gateway's NodePort reaches
CONFIRMED and its mail lands in the catcher's pod; then one service's pod is
deleted while orders flow, and every order still ends in a final state.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.k8s.plugin import bin_dir, wait_until
from tests.k8s.real_plugin import RealCluster
from tests.support.shop import CARD_OK, FINAL, card

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "mercado"
RELEASE = "shop"
GATEWAY_NODE_PORT = 30080


def project_images() -> list[Path]:
    """Builds the project's images if needed and returns their ``docker save`` tars."""
    out = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "images", "images-save"],
        stdout=subprocess.PIPE,
        stderr=sys.stderr,
        text=True,
        timeout=3600,
    )
    assert out.returncode == 0, f"make images images-save failed (exit {out.returncode})"
    # images/save.sh prints one tar per line ("<path>" or "<path> (unchanged)").
    tars = [
        Path(w[0]) for w in map(str.split, out.stdout.splitlines()) if w and w[0].endswith(".tar")
    ]
    assert tars, out.stdout
    return tars


@dataclass
class Shop:
    cluster: RealCluster
    namespace: str
    url: str  # the gateway, through the NodePort published on 127.0.0.1

    def kubectl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.cluster.kubectl("-n", self.namespace, *args, check=check, timeout=300)

    def cluster_ip(self, component: str) -> str:
        return self.kubectl(
            "get", "service", f"{RELEASE}-{component}", "-o", "jsonpath={.spec.clusterIP}"
        ).stdout

    def secret(self, key: str) -> str:
        data = self.kubectl(
            "get", "secret", f"{RELEASE}-secrets", "-o", f"jsonpath={{.data.{key}}}"
        ).stdout
        return base64.b64decode(data).decode()

    def mails(self) -> list[str]:
        """The mails the catcher pod kept, read inside its container."""
        script = (
            "import json, pathlib; print(json.dumps("
            "[p.read_text(errors='replace') for p in pathlib.Path('/data/mail').rglob('*.eml')]))"
        )
        out = self.kubectl(
            "exec", f"deployment/{RELEASE}-mailcatcher", "--", "python", "-c", script
        ).stdout
        mails: list[str] = json.loads(out)
        return mails


@pytest.fixture(scope="module")
def shop(real_cluster: RealCluster) -> Iterator[Shop]:
    if not (CHART / "Chart.yaml").exists():
        pytest.fail("charts/mercado is missing")
    started = time.monotonic()
    real_cluster.load_images(*project_images())
    namespace = f"shop-e2e-{uuid.uuid4().hex[:6]}"
    real_cluster.kubectl("create", "namespace", namespace)
    real_cluster.kubectl(
        "label", "namespace", namespace, "pod-security.kubernetes.io/enforce=restricted"
    )
    helm = [str(bin_dir() / "helm"), "--kubeconfig", str(real_cluster.kubeconfig)]
    install = subprocess.run(
        [
            *helm,
            "install",
            RELEASE,
            str(CHART),
            "--namespace",
            namespace,
            "--set",
            "global.image.pullPolicy=Never",
            "--wait",
            "--timeout",
            "15m",
        ],
        capture_output=True,
        text=True,
        timeout=1000,
    )
    if install.returncode != 0:
        pods = real_cluster.kubectl("-n", namespace, "get", "pods", "-o", "wide", check=False)
        events = real_cluster.kubectl("-n", namespace, "get", "events", check=False)
        pytest.fail(
            f"helm install failed:\n{install.stderr}\n{pods.stdout}\n{events.stdout[-4000:]}",
            pytrace=False,
        )
    host_port = real_cluster.published[GATEWAY_NODE_PORT]
    shop = Shop(real_cluster, namespace, f"http://127.0.0.1:{host_port}")
    # Seed the demo catalog and its stock, as a user would, from inside the cluster's network.
    real_cluster.in_netns(
        sys.executable,
        "-m",
        "mercado_cli.main",
        "seed",
        "--catalog-url",
        f"http://{shop.cluster_ip('catalog')}:8101",
        "--inventory-url",
        f"http://{shop.cluster_ip('inventory')}:8102",
        "--admin-token",
        shop.secret("admin-token"),
        timeout=300,
    )
    print(f"shop installed and seeded in {time.monotonic() - started:.0f}s", file=sys.stderr)
    yield shop
    subprocess.run([*helm, "uninstall", RELEASE, "--namespace", namespace], capture_output=True)
    real_cluster.kubectl("delete", "namespace", namespace, "--wait=false", check=False)


def place_order(http: httpx.Client, shop: Shop, product_id: str, email: str) -> dict[str, Any]:
    body = {
        "customer": {"email": email},
        "lines": [{"product_id": product_id, "quantity": 1}],
        "payment": card(CARD_OK),
    }
    key = str(uuid.uuid4())

    def posted() -> dict[str, Any] | None:
        # The same key on every attempt: a retry never makes a second order.
        r = http.post(f"{shop.url}/api/orders", json=body, headers={"Idempotency-Key": key})
        if r.status_code in (200, 201, 202):
            order: dict[str, Any] = r.json()
            return order
        assert r.status_code in (502, 503, 504), r.text
        return None

    return wait_until(posted, timeout=180, what="the order to be accepted")


def final_state(http: httpx.Client, shop: Shop, order_id: str, timeout: float = 300) -> str:
    def final() -> str | None:
        r = http.get(f"{shop.url}/api/orders/{order_id}")
        status = r.json().get("status") if r.status_code == 200 else None
        return status if status in FINAL else None

    return wait_until(final, timeout=timeout, interval=0.5, what=f"order {order_id} final")


def a_product(http: httpx.Client, shop: Shop) -> str:
    items = http.get(f"{shop.url}/api/products", params={"limit": 5}).json()["items"]
    product_id: str = items[0]["id"]
    return product_id


def test_an_order_through_real_pods_is_confirmed_and_mailed(shop: Shop) -> None:
    started = time.monotonic()
    with httpx.Client(timeout=30) as http:
        assert http.get(f"{shop.url}/readyz").status_code == 200
        product_id = a_product(http, shop)
        order = place_order(http, shop, product_id, "e2e@example.com")
        assert final_state(http, shop, order["id"]) == "CONFIRMED"
    mail = wait_until(
        lambda: next((m for m in shop.mails() if order["id"] in m), None),
        timeout=120,
        what=f"the mail for order {order['id']} in the catcher",
    )
    assert "e2e@example.com" in mail
    print(f"order confirmed and mailed in {time.monotonic() - started:.1f}s", file=sys.stderr)


def test_orders_flowing_while_a_pod_is_deleted_all_end_final(shop: Shop) -> None:
    victim = "payment"
    with httpx.Client(timeout=30) as http:
        product_id = a_product(http, shop)

        def one(i: int) -> str:
            with httpx.Client(timeout=30) as client:
                order = place_order(client, shop, product_id, f"flow-{i}@example.com")
                return str(order["id"])

        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(one, i) for i in range(4)]
            # Orders are flowing: delete the service's pod (its Deployment replaces it).
            time.sleep(1)
            shop.kubectl(
                "delete", "pod", "-l", f"app.kubernetes.io/component={victim}", "--wait=false"
            )
            futures += [pool.submit(one, i) for i in range(4, 12)]
            ids = [f.result() for f in futures]
        states = {order_id: final_state(http, shop, order_id, timeout=600) for order_id in ids}
    assert len(states) == 12
    assert set(states.values()) <= set(FINAL)
    # A deleted payment pod delays orders but loses none: with stock and a good card,
    # every one of them is confirmed.
    assert list(states.values()).count("CONFIRMED") == 12, states
