#!/usr/bin/env bash
# Renders the plain manifests of manifests/ from the umbrella chart (make manifests).
#
# Usage: render-manifests.sh [OUTDIR]   (default: manifests/ of the repository)
# Environment: HELM, the helm binary (default: the one tests/k8s/build.sh builds).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/manifests}"
helm="${HELM:-$(bash "$root/tests/k8s/build.sh" --print-bindir)/helm}"
[[ -x "$helm" ]] || { echo "helm not found at $helm: run bash tests/k8s/build.sh helm" >&2; exit 1; }

mkdir -p "$out"
{
  cat <<'EOF_HEADER'
# The whole Mercado shop as plain Kubernetes manifests, rendered from charts/mercado with
# its default values by `make manifests` (do not edit: change the chart and re-run it).
# The tokens and passwords are not in here: create the Secret "mercado-secrets" first
# (see manifests/README.md), then: kubectl apply -n <namespace> -f manifests/mercado.yaml
# The Grafana dashboards are left out (they are in observability/dashboards).
EOF_HEADER
  # The helm binary warns on stderr that the chart's library is a symbolic link.
  "$helm" template mercado "$root/charts/mercado" \
    --set global.secrets.existingSecret=mercado-secrets \
    --set global.observability.dashboards=false 2>/dev/null
} >"$out/mercado.yaml"
echo "wrote $out/mercado.yaml"
