"""The Shop CustomResourceDefinition, generated from the models the operator reads.

``python -m mercado_operator.crd`` writes it to the operator chart's ``crds/`` folder and to
``manifests/``; ``--check`` exits non-zero when a committed copy is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from mercado_operator.model import ShopSpec, ShopStatus

GROUP = "mercado.dev"
VERSION = "v1alpha1"
PLURAL = "shops"
KIND = "Shop"
NAME = f"{PLURAL}.{GROUP}"
REPO = Path(__file__).resolve().parents[3]
OUTPUTS = (
    Path("charts/mercado-operator/crds/shops.mercado.dev.yaml"),
    Path("manifests/crds/shops.mercado.dev.yaml"),
)
_DROP = {"title", "$defs"}


def _structural(node: Any, defs: dict[str, Any]) -> Any:
    """Pydantic's JSON schema -> a structural OpenAPI v3 schema (refs inlined)."""
    if isinstance(node, list):
        return [_structural(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    node = dict(node)
    if "$ref" in node:
        target = defs[node.pop("$ref").rsplit("/", 1)[-1]]
        node = {**target, **node}  # the field's own description and default win
    if "anyOf" in node:
        options = [o for o in node.pop("anyOf") if o.get("type") != "null"]
        if len(options) != 1:
            raise ValueError(f"unsupported union in the Shop model: {options}")
        node = {**_resolve(options[0], defs), **node}
        if node.get("default", ...) is None:
            del node["default"]
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP:
            continue
        if key == "properties":
            out[key] = {name: _structural(prop, defs) for name, prop in value.items()}
        elif key == "additionalProperties" and isinstance(value, dict):
            out[key] = _structural(value, defs)
        elif key == "additionalProperties":
            continue  # extra="forbid": structural schemas prune unknown fields anyway
        elif key == "items":
            out[key] = _structural(value, defs)
        elif key in ("exclusiveMinimum", "exclusiveMaximum"):
            out["minimum" if key == "exclusiveMinimum" else "maximum"] = value
            out[key] = True
        else:
            out[key] = value
    if "properties" in out:
        out["type"] = "object"
    if "enum" in out and "type" not in out:
        out["type"] = "string"
    return out


def _resolve(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        target: dict[str, Any] = defs[node["$ref"].rsplit("/", 1)[-1]]
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _without_defaults(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_defaults(v) for k, v in node.items() if k != "default"}
    if isinstance(node, list):
        return [_without_defaults(v) for v in node]
    return node


def schema_of(model: type[ShopSpec] | type[ShopStatus], description: str) -> dict[str, Any]:
    raw = model.model_json_schema(by_alias=True, mode="validation")
    schema: dict[str, Any] = _structural(raw, raw.get("$defs", {}))
    schema["description"] = description
    return schema


def crd() -> dict[str, Any]:
    spec = schema_of(ShopSpec, "The shop you want: versions, sizes and wiring.")
    spec["default"] = {}
    status = _without_defaults(schema_of(ShopStatus, "What the operator last observed and did."))
    conditions = status["properties"]["conditions"]
    conditions["x-kubernetes-list-type"] = "map"
    conditions["x-kubernetes-list-map-keys"] = ["type"]
    columns = [
        {
            "name": "Ready",
            "type": "string",
            "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
            "description": "Every service available at the desired version.",
        },
        {"name": "Version", "type": "string", "jsonPath": ".spec.version",
         "description": "Image tag of the shop."},
        {"name": "Services", "type": "string", "jsonPath": ".status.servicesReady",
         "description": "Services available / services run."},
        {"name": "URL", "type": "string", "jsonPath": ".status.url", "priority": 1,
         "description": "The storefront."},
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    ]  # fmt: skip
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": NAME,
            "labels": {"app.kubernetes.io/part-of": "mercado"},
        },
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {
                "plural": PLURAL,
                "singular": "shop",
                "kind": KIND,
                "listKind": "ShopList",
                "shortNames": ["shop"],
                "categories": ["mercado"],
            },
            "versions": [
                {
                    "name": VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": columns,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "description": "A whole Mercado shop, run by the Mercado operator.",
                            "properties": {
                                "apiVersion": {"type": "string", "description": "API version."},
                                "kind": {"type": "string", "description": "Shop."},
                                "metadata": {"type": "object"},
                                "spec": spec,
                                "status": status,
                            },
                        }
                    },
                }
            ],
        },
    }


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def render() -> str:
    header = "# Generated by `python -m mercado_operator.crd` from mercado_operator.model.\n"
    return header + yaml.dump(crd(), Dumper=_Dumper, sort_keys=False, width=100)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when a copy is stale")
    parser.add_argument("--root", type=Path, default=REPO, help="repository root")
    args = parser.parse_args(argv)
    text = render()
    stale = []
    for rel in OUTPUTS:
        path = args.root / rel
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(rel))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print(f"stale: {', '.join(stale)}; run python -m mercado_operator.crd", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
