"""The topology as the Helm library chart reads it: a generated named template.

``charts/mercado-lib/templates/_topology.tpl`` defines ``mercado.topology``, the JSON below;
the charts' wiring (URLs, tokens, environment variables) and NetworkPolicies come from it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mercado_topology.model import Component, Topology

TEMPLATE_PATH = Path("charts/mercado-lib/templates/_topology.tpl")

HEADER = """\
{{/*
The shop's topology, generated from the mercado_topology package: do not edit.
Regenerate with `make charts` (python -m mercado_topology charts).
*/}}
"""


def _env(component: Component, setting: str) -> str:
    return component.env_prefix + setting.upper()


def service_data(topology: Topology, c: Component) -> dict[str, Any]:
    return {
        "port": c.port,
        "module": c.module,
        "envPrefix": c.env_prefix,
        "database": c.database,
        "messaging": c.messaging,
        "mail": c.mail,
        "public": c.public,
        "livenessPath": c.liveness_path,
        "readinessPath": c.readiness_path,
        "calls": [
            {
                "target": call.target,
                "port": topology[call.target].port,
                "urlEnv": _env(c, call.url_setting),
                "token": call.token or "",
                "tokenEnv": _env(c, call.token_setting) if call.token_setting else "",
            }
            for call in c.calls
        ],
        "accepts": [{"token": a.token, "env": _env(c, a.setting)} for a in c.accepts],
        "callers": [caller.name for caller in topology.callers(c.name)],
        "publishes": list(c.publishes),
        "consumes": list(c.consumes),
    }


def chart_data(topology: Topology) -> dict[str, Any]:
    services = topology.services
    return {
        "services": {c.name: service_data(topology, c) for c in services},
        "rolloutOrder": [n for n in topology.rollout_order() if topology[n] in services],
        "tokens": list(topology.tokens),
        "secretKeys": topology.secret_keys(),
        "databaseServices": [c.name for c in services if c.database],
        "messagingServices": [c.name for c in services if c.messaging],
        "mailServices": [c.name for c in services if c.mail],
    }


def render(topology: Topology) -> str:
    body = json.dumps(chart_data(topology), indent=2)
    return f'{HEADER}{{{{- define "mercado.topology" -}}}}\n{body}\n{{{{- end -}}}}\n'
