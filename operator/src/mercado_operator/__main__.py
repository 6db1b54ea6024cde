"""``python -m mercado_operator``: runs the operator against the current kubeconfig (or the
in-cluster service account).

Environment: MERCADO_OPERATOR_HELM (helm binary), MERCADO_OPERATOR_CHART (the umbrella
chart), MERCADO_OPERATOR_NAMESPACE and MERCADO_OPERATOR_LEASE (the leader Lease),
MERCADO_OPERATOR_RESYNC_SECONDS, MERCADO_OPERATOR_METRICS_PORT (default 9090),
MERCADO_OPERATOR_HEALTH_PORT (default 8080), LOG_LEVEL.
"""

from __future__ import annotations

import asyncio
import os

import kopf
from prometheus_client import start_http_server

import mercado_operator.handlers  # noqa: F401  (registers the handlers)
from mercado_operator import logs


def main() -> None:
    logs.configure(os.environ.get("LOG_LEVEL", "INFO"))
    start_http_server(int(os.environ.get("MERCADO_OPERATOR_METRICS_PORT", "9090")))
    health = int(os.environ.get("MERCADO_OPERATOR_HEALTH_PORT", "8080"))
    asyncio.run(
        kopf.operator(
            clusterwide=True,
            standalone=True,
            liveness_endpoint=f"http://0.0.0.0:{health}/healthz",
        )
    )


if __name__ == "__main__":
    main()
