"""Chart values declared once: each chart's values.yaml, values.schema.json and values table.

A value is a :class:`Value` (default, description, extra JSON schema); a group of values is
a dict. The schema is strict: every object refuses keys it does not declare.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Union

from mercado_topology.model import Component

QUANTITY = {"type": ["string", "number"], "pattern": r"^[0-9.]+([eE][0-9]+|[a-zA-Z]{1,2})?$"}
RESOURCE_LIST = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"cpu": QUANTITY, "memory": QUANTITY, "ephemeral-storage": QUANTITY},
}
RESOURCES = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"requests": RESOURCE_LIST, "limits": RESOURCE_LIST},
}
TAG = {"pattern": r"^$|^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"}
STORAGE = {"pattern": r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$"}


@dataclass(frozen=True)
class Value:
    default: Any
    description: str = ""
    schema: dict[str, Any] = field(default_factory=dict)


Group = dict[str, Union[Value, "Group"]]


def _type_of(default: Any) -> str:
    if isinstance(default, bool):
        return "boolean"
    if isinstance(default, int):
        return "integer"
    if isinstance(default, float):
        return "number"
    if isinstance(default, str):
        return "string"
    return "object"


def schema(group: Group) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for key, item in group.items():
        if isinstance(item, Value):
            prop: dict[str, Any] = {"type": _type_of(item.default)}
            if item.description:
                prop["description"] = item.description
            prop.update(item.schema)
            properties[key] = prop
        else:
            properties[key] = schema(item)
    return {"type": "object", "additionalProperties": False, "properties": properties}


def chart_schema(group: Group, title: str) -> str:
    root = {"$schema": "http://json-schema.org/draft-07/schema#", "title": title, **schema(group)}
    # Helm gives each dependency a key of its own; the library chart has no values.
    root["properties"]["mercado-lib"] = {"type": "object", "description": "Unused (library)."}
    return json.dumps(root, indent=2) + "\n"


def _scalar(value: Any) -> str:
    return json.dumps(value)


def values_yaml(group: Group, indent: int = 0) -> str:
    """values.yaml text: every value with its description as a comment above it."""
    lines: list[str] = []
    pad = " " * indent
    for key, item in group.items():
        if isinstance(item, Value):
            if item.description:
                wrapped = _wrap(item.description, 94 - indent)
                lines.append(f"{pad}# -- {wrapped[0]}")
                lines.extend(f"{pad}#    {line}" for line in wrapped[1:])
            lines.append(f"{pad}{key}: {_scalar(item.default)}")
        else:
            if indent == 0 and lines:
                lines.append("")
            lines.append(f"{pad}{key}:")
            lines.append(values_yaml(item, indent + 2).rstrip("\n"))
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int) -> list[str]:
    out: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + len(word) + 1 > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*out, line] if line else out


def values_table(group: Group, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(key, type, default, description) of every value, in declaration order."""
    rows: list[tuple[str, str, str, str]] = []
    for key, item in group.items():
        path = f"{prefix}{key}"
        if isinstance(item, Value):
            kind = _type_of(item.default)
            rows.append((path, kind, _scalar(item.default), item.description))
        else:
            rows.extend(values_table(item, path + "."))
    return rows


def markdown_table(group: Group) -> str:
    lines = ["| key | type | default | description |", "| --- | --- | --- | --- |"]
    for key, kind, default, description in values_table(group):
        text = description.replace("|", "\\|")
        lines.append(f"| `{key}` | {kind} | `{default}` | {text} |")
    return "\n".join(lines) + "\n"


# --- the values themselves --------------------------------------------------------------


def global_values() -> Group:
    return {
        "shopName": Value(
            "",
            "The name every object starts with (`<shopName>-<component>`); empty: the "
            "release name.",
            {"pattern": r"^$|^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$"},
        ),
        "image": {
            "repository": Value("mercado", "Images are `<repository>/<component>:<tag>`."),
            "tag": Value("", "Every service's image tag; empty: the chart's appVersion.", TAG),
            "pullPolicy": Value(
                "IfNotPresent",
                "Pull policy of every image.",
                {"enum": ["Always", "IfNotPresent", "Never"]},
            ),
        },
        "labels": Value(
            {}, "Extra labels put on every object.", {"additionalProperties": {"type": "string"}}
        ),
        "secrets": {
            "existingSecret": Value(
                "",
                "A Secret holding every token and password (keys `<token>-token`, "
                "`<service>-database-password`, `postgres-password`); empty: the chart makes "
                "one on install and keeps its values on upgrade.",
            ),
        },
        "observability": {
            "dashboards": Value(
                True,
                "The Grafana dashboards of files/dashboards as ConfigMaps labelled "
                '`grafana_dashboard: "1"` (for Grafana\'s sidecar).',
            ),
            "serviceMonitor": Value(
                False,
                "A ServiceMonitor per service (when the monitoring.coreos.com/v1 API is there).",
            ),
            "prometheusRule": Value(
                False, "The alert rules of files/rules as a PrometheusRule (same condition)."
            ),
            "runbookBaseUrl": Value(
                "https://mercado.dev/runbooks",
                "Where observability/runbooks/ is published: each alert's `runbook_url` "
                "becomes `<runbookBaseUrl>/<Alert>.md`.",
                {"pattern": "^https?://[^ ]+$"},
            ),
            "tracing": {
                "otlpEndpoint": Value(
                    "", "OTLP/HTTP endpoint the services send traces to; empty: none sent."
                ),
                "sampleRatio": Value(
                    0.1, "Share of traces sampled (parent-based).", {"minimum": 0, "maximum": 1}
                ),
            },
        },
    }


def service_values(c: Component, *, umbrella: bool) -> Group:
    """The keys of one service (the same in the umbrella chart and in its own chart)."""
    group: Group = {}
    if umbrella:
        group["enabled"] = Value(True, f"Run {c.name}.")
    group.update(
        {
            "replicas": Value(1, "Pods (ignored when autoscaling is enabled).", {"minimum": 0}),
            "image": {"tag": Value("", "This service's image tag; empty: global.image.tag.", TAG)},
            "resources": Value(
                {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
                "Requests and limits of the container.",
                RESOURCES,
            ),
            "autoscaling": {
                "enabled": Value(False, "A HorizontalPodAutoscaler on CPU instead of replicas."),
                "minReplicas": Value(1, "", {"minimum": 1}),
                "maxReplicas": Value(5, "", {"minimum": 1}),
                "targetCPUUtilization": Value(
                    70, "Average CPU use (% of requests) aimed at.", {"minimum": 1, "maximum": 100}
                ),
            },
        }
    )
    group.update(_extras(c))
    return group


def _extras(c: Component) -> Group:
    """Keys of the services that talk to the outside world."""
    extras: Group = {}
    if any(call.target == "bank" for call in c.calls):
        extras["bank"] = {
            "url": Value("", "The acquirer payment calls; empty: the shop's bank simulator."),
            "timeoutSeconds": Value(
                2.0, "Timeout of one call to the bank.", {"exclusiveMinimum": 0, "maximum": 60}
            ),
        }
    if c.mail:
        extras["smtp"] = {
            "host": Value("", "The SMTP server mail goes to; empty: the shop's mail catcher."),
            "port": Value(1025, "", {"minimum": 1, "maximum": 65535}),
            "from": Value("shop@mercado.local", "Sender address of every mail."),
        }
    if c.public:
        extras["service"] = {
            "type": Value(
                "NodePort",
                "How the service is exposed. NodePort 30080 is the port kind-config.yaml maps "
                "to http://127.0.0.1:8080.",
                {"enum": ["ClusterIP", "NodePort", "LoadBalancer"]},
            ),
            "nodePort": Value(30080, "", {"minimum": 30000, "maximum": 32767}),
        }
        extras["ingress"] = {
            "enabled": Value(False, "An Ingress to this service."),
            "className": Value("", "The IngressClass; empty: the cluster's default."),
            "host": Value("", "Host name of the Ingress rule; empty: any host."),
        }
    return extras
