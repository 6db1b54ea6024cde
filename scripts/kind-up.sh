#!/usr/bin/env bash
# The whole shop on a local kind cluster (make kind-up): creates the cluster of
# kind-config.yaml, builds the images and loads them into its nodes, installs the umbrella
# chart, waits for every pod and prints the storefront's URL.
#
# Needs Docker and internet access for kind's node image (kindest/node); helm and kind are
# built by tests/k8s/build.sh when missing.
# Environment: KIND_CLUSTER (default: the name in kind-config.yaml), NAMESPACE (mercado).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log() { printf '[kind-up] %s\n' "$*" >&2; }

command -v docker >/dev/null || { log "docker is required"; exit 1; }
bash tests/k8s/build.sh helm kind >&2
bin="$(bash tests/k8s/build.sh --print-bindir)"
cluster="${KIND_CLUSTER:-$(sed -n 's/^name: *//p' kind-config.yaml)}"
namespace="${NAMESPACE:-mercado}"

if "$bin/kind" get clusters 2>/dev/null | grep -qx "$cluster"; then
  log "reusing kind cluster $cluster"
else
  log "creating kind cluster $cluster from kind-config.yaml"
  "$bin/kind" create cluster --name "$cluster" --config kind-config.yaml
fi
kubeconfig="$(mktemp)"
trap 'rm -f "$kubeconfig"' EXIT
"$bin/kind" get kubeconfig --name "$cluster" >"$kubeconfig"

log "building the images (make images)"
make images
# Exactly the images the chart uses.
images="$("$bin/helm" template mercado charts/mercado 2>/dev/null | sed -n 's/^ *image: *//p' | sort -u)"
for image in $images; do
  log "loading $image"
  "$bin/kind" load docker-image --name "$cluster" "$image"
done

"$bin/helm" --kubeconfig "$kubeconfig" upgrade --install mercado charts/mercado \
  --namespace "$namespace" --create-namespace --wait --timeout 10m
"$bin/helm" --kubeconfig "$kubeconfig" status mercado --namespace "$namespace" >/dev/null
echo "The storefront: http://127.0.0.1:8080"
