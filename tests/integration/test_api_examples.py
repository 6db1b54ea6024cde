"""The gateway's API documentation tried as a user would: every example of ``POST
/api/orders`` fits the documented schema, names products the demo shop has, and, sent as it
stands to the seeded local shop, is placed and confirmed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema_rs
import pytest

from tests.browser.shop import LocalShop
from tests.support.processes import wait_for


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalShop]:
    running = LocalShop(tmp_path_factory.mktemp("documented-shop")).start()
    yield running
    running.stop()


def _order_examples(spec: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the documented body schema, the named examples) of ``POST /api/orders``."""
    content = spec["paths"]["/api/orders"]["post"]["requestBody"]["content"]["application/json"]
    return content["schema"], content["examples"]


def test_the_documented_order_example_works_in_the_demo_shop(shop: LocalShop) -> None:
    gateway = shop.base_url
    with httpx.Client(base_url=gateway, timeout=30) as http:
        spec = http.get("/openapi.json").json()
        schema, examples = _order_examples(spec)
        assert examples, "POST /api/orders documents an example"
        # The body schema refers to the document's components.
        validator = jsonschema_rs.Draft202012Validator({**schema, "components": spec["components"]})
        for name, example in examples.items():
            body = example["value"]
            errors = [e.message for e in validator.iter_errors(body)]
            assert errors == [], (name, errors)
            for line in body["lines"]:
                product = http.get(f"/api/products/{line['product_id']}")
                assert product.status_code == 200, (name, product.text)
                assert product.json()["availability"]["available"] >= line["quantity"]
            placed = http.post(
                "/api/orders", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
            )
            assert placed.status_code == 201, (name, placed.text)
            order = placed.json()

            def final(
                order_id: str = order["id"], token: str = order["access_token"]
            ) -> dict[str, Any] | None:
                seen = http.get(f"/api/orders/{order_id}", headers={"Order-Token": token}).json()
                return seen if seen["status"] in ("CONFIRMED", "CANCELLED") else None

            done = wait_for(final, 120, 0.2, f"example {name} to finish")
            assert done["status"] == "CONFIRMED", (name, done)
            assert [line["sku"] for line in done["lines"]] == ["BK-001"]
