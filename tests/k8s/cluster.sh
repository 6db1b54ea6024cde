#!/usr/bin/env bash
# A real, throwaway Kubernetes control plane for the tests, on loopback:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok (two
# simulated nodes that "run" the pods scheduled to them) and metrics-server
# (metrics.k8s.io, fed by kwok's simulated resource usage).
#
# Usage: cluster.sh up|down|status
#   up      build the binaries if needed (build.sh cluster), start the cluster, or reuse
#           the running one; the last line printed is KUBECONFIG=<path>
#   down    stop every process that `up` started and remove the state
#   status  print the cluster's state; exit 0 when it is up and healthy
#
# Environment:
#   MERCADO_K8S_STATE_FILE  where the running cluster is recorded
#                           (default: ${TMPDIR:-/tmp}/mercado-k8s-<uid>.env);
#                           set it to run more than one cluster at a time
#   MERCADO_K8S_TIMEOUT     seconds to wait for each readiness step (default 180)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

state_file="${MERCADO_K8S_STATE_FILE:-${TMPDIR:-/tmp}/mercado-k8s-$(id -u).env}"
timeout="${MERCADO_K8S_TIMEOUT:-180}"
nodes=(kwok-node-0 kwok-node-1)

log_prefix=k8s-cluster
cluster_name=mercado-test
# shellcheck source=lib.sh
source "$here/lib.sh"

# start NAME CMD...: runs CMD detached (lib.sh).
start() { start_on_host "$@"; }

http_ok() {
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1"
}

# ---------------------------------------------------------------------------
# certificates and kubeconfigs (openssl; EC P-256 keys are quick to make)

pki() {
  make_ca ca "mercado-test-ca"
  # Signs the aggregation layer's requests to metrics-server (kept apart from
  # the client CA so that no ordinary client certificate can act as the proxy).
  make_ca front-proxy-ca "mercado-test-front-proxy-ca"

  local api_san="IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default"
  api_san+=",DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert apiserver ca "/CN=kube-apiserver" serverAuth "$api_san"
  cert admin ca "/O=system:masters/CN=kubernetes-admin" clientAuth
  cert controller-manager ca "/CN=system:kube-controller-manager" clientAuth
  cert scheduler ca "/CN=system:kube-scheduler" clientAuth
  cert front-proxy-client front-proxy-ca "/CN=front-proxy-client" clientAuth
  # kwok serves the simulated kubelets' endpoints; metrics-server checks it against the CA.
  cert kwok ca "/CN=kwok" serverAuth "IP:127.0.0.1,DNS:localhost"
  # The aggregator checks the name <service>.<namespace>.svc of the APIService.
  cert metrics-server ca "/CN=metrics-server" serverAuth \
    "IP:127.0.0.1,DNS:localhost,DNS:metrics-server.kube-system.svc"
  service_account_keys
}

# ---------------------------------------------------------------------------
# up

cmd_up() {
  if healthy; then
    log "reusing the running cluster (state in $STATE_DIR)"
    echo "KUBECONFIG=$STATE_DIR/admin.kubeconfig"
    return 0
  fi
  if [[ -f "$state_file" ]]; then
    log "found a stale cluster record; cleaning it up first"
    cmd_down
  fi

  local t0=$SECONDS
  bash "$here/build.sh" cluster >&2
  BIN="$(bash "$here/build.sh" --print-bindir)"
  local share="$BIN/../share"
  command -v openssl >/dev/null || die "openssl is required"

  STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mercado-k8s.XXXXXX")"
  mkdir -p "$STATE_DIR/logs"
  read -r ETCD_PORT ETCD_PEER_PORT API_PORT KCM_PORT SCHED_PORT KWOK_PORT METRICS_PORT \
    <<<"$(free_ports 7)"
  PIDS=""
  cat >"$state_file" <<EOF
STATE_DIR="$STATE_DIR"
BIN="$BIN"
K8S_VERSION="$K8S_VERSION"
ETCD_PORT=$ETCD_PORT
API_PORT=$API_PORT
KWOK_PORT=$KWOK_PORT
METRICS_PORT=$METRICS_PORT
PIDS=""
EOF
  # If anything below fails, show the logs and stop what was started rather
  # than leave it running.
  up_done=0
  trap 'up_failed' EXIT

  pki
  local d="$STATE_DIR/pki"
  kubeconfig "$STATE_DIR/admin.kubeconfig" admin "https://127.0.0.1:$API_PORT"
  kubeconfig "$STATE_DIR/controller-manager.kubeconfig" controller-manager "https://127.0.0.1:$API_PORT"
  kubeconfig "$STATE_DIR/scheduler.kubeconfig" scheduler "https://127.0.0.1:$API_PORT"

  log "starting etcd $ETCD_VERSION on 127.0.0.1:$ETCD_PORT"
  start etcd "$BIN/etcd" \
    --name=mercado-test \
    --data-dir="$STATE_DIR/etcd" \
    --listen-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster="mercado-test=http://127.0.0.1:$ETCD_PEER_PORT" \
    --unsafe-no-fsync \
    --log-level=warn
  wait_for "etcd" http_ok "http://127.0.0.1:$ETCD_PORT/health"

  log "starting kube-apiserver $K8S_VERSION on https://127.0.0.1:$API_PORT"
  # --allow-privileged=true: privileged pods are refused by Pod Security
  # admission (per namespace), not by a cluster-wide switch.
  # --endpoint-reconciler-type=none: the API server refuses to publish a
  # loopback address as the endpoints of the "kubernetes" Service; nothing
  # here runs in a pod network that would use them.
  start kube-apiserver "$BIN/kube-apiserver" \
    --bind-address=127.0.0.1 \
    --advertise-address=127.0.0.1 \
    --endpoint-reconciler-type=none \
    --secure-port="$API_PORT" \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --tls-cert-file="$d/apiserver.crt" \
    --tls-private-key-file="$d/apiserver.key" \
    --client-ca-file="$d/ca.crt" \
    --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NodeRestriction,PodSecurity \
    --allow-privileged=true \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$d/sa.pub" \
    --service-account-signing-key-file="$d/sa.key" \
    --service-cluster-ip-range=10.96.0.0/16 \
    --requestheader-client-ca-file="$d/front-proxy-ca.crt" \
    --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User \
    --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$d/front-proxy-client.crt" \
    --proxy-client-key-file="$d/front-proxy-client.key" \
    --audit-policy-file="$here/audit-policy.yaml" \
    --audit-log-path="$STATE_DIR/logs/audit.log" \
    --audit-log-maxsize=200 \
    --profiling=false
  wait_for "kube-apiserver /readyz" kubectl_admin get --raw /readyz

  log "starting kube-controller-manager and kube-scheduler"
  # Every controller acts with its own service account (as in a real cluster);
  # short HPA sync period so autoscaling is observable in tests.
  start kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 \
    --secure-port="$KCM_PORT" \
    --leader-elect=false \
    --use-service-account-credentials=true \
    --service-account-private-key-file="$d/sa.key" \
    --root-ca-file="$d/ca.crt" \
    --cluster-signing-cert-file="$d/ca.crt" \
    --cluster-signing-key-file="$d/ca.key" \
    --horizontal-pod-autoscaler-sync-period=5s \
    --profiling=false
  start kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 \
    --secure-port="$SCHED_PORT" \
    --leader-elect=false \
    --profiling=false

  log "starting kwok $KWOK_VERSION with nodes: ${nodes[*]}"
  # kwok's configuration: its default options (set by flags below) plus the
  # upstream stages and metrics objects that build.sh saved with the binary.
  # Pods whose image tag is "broken" never become ready: a stand-in for an image that fails.
  awk '/^  name: pod-ready$/ {ready=1}
       {print}
       ready && /^    matchExpressions:$/ {
         print "    - key: '"'"'.spec.containers.[] | .image | endswith(\":broken\")'"'"'"
         print "      operator: '"'"'NotIn'"'"'"
         print "      values: ['"'"'true'"'"']"
         ready=0 }' "$share/kwok-objects.yaml" >"$STATE_DIR/kwok.yaml"
  # Each simulated node reports 127.0.0.1 and the kwok server's port as its
  # kubelet endpoint; kwok serves /metrics/nodes/<node>/metrics/resource there.
  start kwok "$BIN/kwok" \
    --kubeconfig="$STATE_DIR/admin.kubeconfig" \
    --config="$STATE_DIR/kwok.yaml" \
    --manage-all-nodes=true \
    --node-ip=127.0.0.1 \
    --node-name=localhost \
    --node-port="$KWOK_PORT" \
    --server-address="127.0.0.1:$KWOK_PORT" \
    --tls-cert-file="$d/kwok.crt" \
    --tls-private-key-file="$d/kwok.key" \
    --node-lease-duration-seconds=40
  sed "s/{{NODE}}/${nodes[0]}/g" "$here/node.yaml" >"$STATE_DIR/nodes.yaml"
  local n
  for n in "${nodes[@]:1}"; do
    { echo "---"; sed "s/{{NODE}}/$n/g" "$here/node.yaml"; } >>"$STATE_DIR/nodes.yaml"
  done
  kubectl_admin apply -f "$STATE_DIR/nodes.yaml" >&2

  log "starting metrics-server $METRICS_SERVER_VERSION on https://127.0.0.1:$METRICS_PORT"
  start metrics-server "$BIN/metrics-server" \
    --bind-address=127.0.0.1 \
    --secure-port="$METRICS_PORT" \
    --cert-dir="$STATE_DIR/metrics-server" \
    --tls-cert-file="$d/metrics-server.crt" \
    --tls-private-key-file="$d/metrics-server.key" \
    --kubeconfig="$STATE_DIR/admin.kubeconfig" \
    --authentication-kubeconfig="$STATE_DIR/admin.kubeconfig" \
    --authorization-kubeconfig="$STATE_DIR/admin.kubeconfig" \
    --kubelet-preferred-address-types=InternalIP \
    --kubelet-use-node-status-port \
    --kubelet-certificate-authority="$d/ca.crt" \
    --metric-resolution=15s
  # Register metrics.k8s.io with the aggregation layer. The Service is an
  # ExternalName pointing at loopback: there is no service network here.
  sed -e "s/{{PORT}}/$METRICS_PORT/g" -e "s/{{CA_BUNDLE}}/$(base64 -w0 <"$d/ca.crt")/g" \
    "$here/metrics-apiservice.yaml" | kubectl_admin apply -f - >&2

  wait_for "nodes Ready" kubectl_admin wait --for=condition=Ready node --all --timeout=1s
  # Pods can only be created once the namespace's default service account exists.
  wait_for "the default service account" kubectl_admin -n default get serviceaccount default
  wait_for "metrics.k8s.io" kubectl_admin wait --for=condition=Available \
    apiservice/v1beta1.metrics.k8s.io --timeout=1s

  up_done=1
  trap - EXIT
  log "cluster up in $((SECONDS - t0))s; state in $STATE_DIR"
  echo "KUBECONFIG=$STATE_DIR/admin.kubeconfig"
}

# ---------------------------------------------------------------------------
# down

cmd_down() {
  if ! load_state; then
    [[ -f "$state_file" ]] && rm -f "$state_file"
    log "no cluster recorded in $state_file"
    return 0
  fi
  # Stop in reverse start order (clients before the API server, etcd last),
  # each politely first.
  local pid pids=()
  for pid in $PIDS; do pids=("$pid" "${pids[@]}"); done
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  # Our own temporary directory only (made by mktemp with this prefix).
  case "$STATE_DIR" in
    */mercado-k8s.*) rm -rf "$STATE_DIR" ;;
    *) log "not removing unexpected state directory $STATE_DIR" ;;
  esac
  rm -f "$state_file"
  log "cluster stopped"
}

# ---------------------------------------------------------------------------
# status

cmd_status() {
  if ! load_state; then
    echo "no cluster (no record in $state_file)"
    return 1
  fi
  echo "state: $STATE_DIR"
  echo "API server: https://127.0.0.1:$API_PORT"
  local pid
  for pid in $PIDS; do
    if alive "$pid"; then
      echo "running: $(proc_name "$pid") (pid $pid)"
    else
      echo "exited:  pid $pid"
    fi
  done
  if healthy; then
    echo "KUBECONFIG=$STATE_DIR/admin.kubeconfig"
  else
    echo "unhealthy"
    return 1
  fi
}

# Serialise up/down/status on one lock per state file (make and pytest may race).
exec 8>"$state_file.lock"
flock 8

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
