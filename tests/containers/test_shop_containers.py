"""The whole shop as containers, each locked down as Pod Security "restricted" asks.

The images are the ones ``make images`` builds (the fixture runs the same script, so the
first run on a fresh machine builds them and later runs find them cached). The test talks
to the shop only through ports published on 127.0.0.1: it seeds the catalog, places an
order through the gateway container and reads the mail the mail catcher caught.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.containers import (
    ADMIN_TOKEN,
    PUBLISHED,
    SERVICES,
    ContainerShop,
    build_images,
    docker,
)
from tests.support.processes import seed_demo, wait_for

pytestmark = pytest.mark.timeout(3600)

IMAGES = ["nats", "mailcatcher", *SERVICES]
EXTRA_CA_DIR = Path("/usr/local/share/ca-certificates")


@pytest.fixture(scope="module")
def images() -> dict[str, str]:
    return build_images(IMAGES)


@pytest.fixture(scope="module")
def shop(images: dict[str, str]) -> Iterator[ContainerShop]:
    shop = ContainerShop(images)
    try:
        shop.start()

        def ready(name: str) -> bool:
            try:
                return httpx.get(f"{shop.url(name)}/readyz", timeout=5).status_code == 200
            except httpx.TransportError:
                return False

        for name in sorted(PUBLISHED):
            wait_for(lambda name=name: ready(name), 180, 0.5, f"{name} container ready")
        yield shop
    except BaseException:
        print(shop.logs())
        raise
    finally:
        shop.stop()


def test_an_order_through_the_gateway_container_is_confirmed_and_mailed(
    shop: ContainerShop,
) -> None:
    seed_demo(shop.url("catalog"), shop.url("inventory"), ADMIN_TOKEN)
    gateway = shop.url("gateway")
    with httpx.Client(base_url=gateway, timeout=30) as http:
        assert "Mercado" in http.get("/").text
        products = http.get("/api/products", params={"limit": 5, "in_stock": "true"}).json()
        product = products["items"][0]
        email = f"buyer-{uuid.uuid4().hex[:6]}@example.com"
        placed = http.post(
            "/api/orders",
            json={
                "customer": {"email": email},
                "lines": [{"product_id": product["id"], "quantity": 1}],
                "payment": {
                    "card": {
                        "number": "4242424242424242",
                        "exp_month": 12,
                        "exp_year": 2034,
                        "cvc": "123",
                    }
                },
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert placed.status_code == 201, placed.text
        order_id = placed.json()["id"]
        # Reading an order takes the access token returned once when it was placed.
        order_token = {"Order-Token": placed.json()["access_token"]}

        def final() -> str | None:
            read = http.get(f"/api/orders/{order_id}", headers=order_token)
            assert read.status_code == 200, read.text
            status = str(read.json()["status"])
            return status if status in ("CONFIRMED", "CANCELLED") else None

        assert wait_for(final, 180, 0.5, f"order {order_id} final") == "CONFIRMED"

    mailcatcher = shop.url("mailcatcher", 8025)

    def mail_about_order() -> dict[str, str] | None:
        mails = httpx.get(f"{mailcatcher}/messages", timeout=10).json()
        return next((m for m in mails if order_id in m["text"]), None)

    mail = wait_for(mail_about_order, 120, 0.5, f"a mail about order {order_id}")
    assert email in mail["to"]
    assert "shop@mercado.local" in mail["from"]


def test_every_container_kept_running_under_the_restrictions(shop: ContainerShop) -> None:
    # A service that tried to write outside /data or /tmp, or needed a capability, would
    # have exited; Docker records how each container was confined.
    time.sleep(1)
    for container in ["nats", "mailcatcher", *SERVICES]:
        info = shop.inspect(container)
        state, config, host = info["State"], info["Config"], info["HostConfig"]
        assert isinstance(state, dict) and isinstance(config, dict) and isinstance(host, dict)
        assert state["Running"] and info["RestartCount"] == 0, (container, state)
        assert host["ReadonlyRootfs"] is True
        assert host["CapDrop"] == ["ALL"]
        assert config["User"] == "65532:65532"


def test_images_hold_no_shell_no_root_user_and_no_extra_ca(images: dict[str, str]) -> None:
    extra_cas = [
        "".join(line for line in path.read_text().splitlines() if "-----" not in line)
        for path in EXTRA_CA_DIR.rglob("*.crt")
    ]
    for name, tag in images.items():
        size = int(docker("image", "inspect", "--format", "{{.Size}}", tag))
        print(f"{tag}: {size / 1e6:.0f} MB")
        assert docker("image", "inspect", "--format", "{{.Config.User}}", tag) == "65532:65532"
        no_shell = docker(
            "run", "--rm", "--entrypoint", "/bin/sh", tag, "-c", "echo shell", check=False
        )
        assert "shell" not in no_shell, f"{tag} has a shell"
        if name == "nats":
            continue
        bundle = docker(
            "run", "--rm", "--network", "none", "--entrypoint", "python", tag, "-c",
            "import ssl; print(open(ssl.get_default_verify_paths().cafile).read())",
        )  # fmt: skip
        flat = bundle.replace("\n", "")
        assert "BEGIN CERTIFICATE" in bundle
        for ca in extra_cas:
            assert ca not in flat, f"{tag} trusts an extra CA of the build machine"
