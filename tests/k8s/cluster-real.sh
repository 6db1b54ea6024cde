#!/usr/bin/env bash
# A throwaway Kubernetes cluster with one real node: etcd, kube-apiserver,
# kube-controller-manager and kube-scheduler, plus a kubelet with containerd
# and runc that run real containers, a CNI bridge for the pod network,
# kube-proxy for Services and CoreDNS (a Deployment) for cluster DNS.
#
# Everything lives in a network namespace that this script creates and
# removes: the node's address, the pod and Service ranges, the bridge and
# kube-proxy's iptables rules. The host's network is left as it is; the API
# server and the NodePorts listed in MERCADO_K8S_REAL_PUBLISH are published on
# the host's 127.0.0.1 by a small forwarder (netns_forward.py).
#
# Usage: cluster-real.sh up|down|status|load IMAGE_TAR...|exec CMD...|ctr ARGS...
#   up      build what is missing (build.sh real), start the cluster, or reuse
#           the running one; the last line printed is KUBECONFIG=<path>
#   down    stop every process, unmount and remove every mount, cgroup, file,
#           the network namespace (and so its iptables rules) that `up` made
#   status  print the cluster's state; exit 0 when it is up and healthy
#   load    import image archives (`docker save` or OCI) into the node's containerd
#   exec    run CMD inside the cluster's network namespace
#   ctr     run ctr against the node's containerd (namespace k8s.io: the pods')
#
# Environment:
#   MERCADO_K8S_REAL_STATE_FILE  where the running cluster is recorded
#                      (default: ${TMPDIR:-/tmp}/mercado-k8s-real-<uid>.env)
#   MERCADO_K8S_REAL_PUBLISH     NodePorts published on 127.0.0.1 (default 30080)
#   MERCADO_K8S_TIMEOUT          seconds to wait for each readiness step (default 180)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

state_file="${MERCADO_K8S_REAL_STATE_FILE:-${TMPDIR:-/tmp}/mercado-k8s-real-$(id -u).env}"
timeout="${MERCADO_K8S_TIMEOUT:-180}"
publish="${MERCADO_K8S_REAL_PUBLISH:-30080}"

node=mercado-node
node_ip=10.211.0.1            # on a veth device inside the namespace
pod_cidr=10.244.0.0/24
service_cidr=10.96.0.0/16
dns_ip=10.96.0.10

log_prefix=k8s-real
cluster_name=mercado-real
alive_also=netns_forward.py   # the forwarders that publish ports on the host
# shellcheck source=lib.sh
source "$here/lib.sh"

[[ "$(id -u)" == 0 ]] || die "the real-node cluster needs root (network namespace, mounts, cgroups)"

# ---------------------------------------------------------------------------
# state: STATE_DIR, BIN, NETNS, CGROUP (the pods' cgroup root), API_PORT (on
# the host), PUBLISHED (nodePort=hostPort ...), PIDS (start order).

in_netns() { nsenter --net="/run/netns/$NETNS" "$@"; }

# start NAME CMD...: runs CMD detached inside the cluster's network namespace.
start() {
  local name="$1"; shift
  start_on_host "$name" nsenter --net="/run/netns/$NETNS" "$@"
}

# ---------------------------------------------------------------------------
# certificates and kubeconfigs

pki() {
  make_ca ca "mercado-real-ca"
  local api_san="IP:127.0.0.1,IP:$node_ip,IP:10.96.0.1,DNS:localhost,DNS:kubernetes"
  api_san+=",DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert apiserver ca "/CN=kube-apiserver" serverAuth "$api_san"
  cert apiserver-kubelet-client ca "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
  cert admin ca "/O=system:masters/CN=kubernetes-admin" clientAuth
  cert controller-manager ca "/CN=system:kube-controller-manager" clientAuth
  cert scheduler ca "/CN=system:kube-scheduler" clientAuth
  cert kubelet ca "/O=system:nodes/CN=system:node:$node" clientAuth
  cert kubelet-serving ca "/O=system:nodes/CN=system:node:$node" serverAuth "IP:$node_ip,DNS:$node"
  cert kube-proxy ca "/CN=system:kube-proxy" clientAuth
  service_account_keys
}

# ---------------------------------------------------------------------------
# network namespace, cgroups, configuration files

make_netns() {
  ip netns add "$NETNS"
  in_netns ip link set lo up
  # The node's address, on one end of a veth pair whose both ends stay in the
  # namespace. The default route is a blackhole: no packet has a way out.
  in_netns ip link add node0 type veth peer name node0-peer
  in_netns ip addr add "$node_ip/24" dev node0
  in_netns ip link set node0-peer up
  in_netns ip link set node0 up
  in_netns ip route add blackhole default
  # Services' addresses are routable from the node itself (kube-proxy rewrites
  # them in the OUTPUT chain, after the route is chosen).
  in_netns ip route add "$service_cidr" dev node0
  # Per-namespace settings: routing between pods and Services, and bridged
  # pod traffic through iptables (kube-proxy's rules).
  in_netns sysctl -qw net.ipv4.ip_forward=1
  in_netns sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null ||
    log "net.bridge.bridge-nf-call-iptables is not per-namespace here; kube-proxy masquerades instead"
}

# The pods' cgroups go under a root of their own in every cgroup v1 hierarchy.
cgroup_hierarchies() {
  local m
  for m in /sys/fs/cgroup/*; do
    [[ -d "$m" && "$m" != */unified ]] && mountpoint -q "$m" && echo "$m"
  done
}

make_cgroups() {
  local h
  for h in $(cgroup_hierarchies); do
    mkdir -p "$h/$CGROUP"
    if [[ -f "$h/cpuset.cpus" ]]; then
      cat "$h/cpuset.cpus" >"$h/$CGROUP/cpuset.cpus"
      cat "$h/cpuset.mems" >"$h/$CGROUP/cpuset.mems"
    fi
  done
}

write_configs() {
  local s="$STATE_DIR"
  mkdir -p "$s/cni/net.d" "$s/containerd" "$s/kubelet" "$s/pod-logs"
  cat >"$s/cni/net.d/10-mercado.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "mercado",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$pod_cidr"}]],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dataDir": "$s/cni/ipam"
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  cat >"$s/containerd/config.toml" <<EOF
version = 4
root = "$s/containerd/root"
state = "$s/containerd/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.erofs",
  "io.containerd.nri.v1.nri"]

[plugins.'io.containerd.server.v1.grpc']
  address = "$s/containerd/containerd.sock"

[plugins.'io.containerd.server.v1.ttrpc']
  address = "$s/containerd/containerd.sock.ttrpc"

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "docker.io/mercado/pause:$PAUSE_VERSION"

[plugins.'io.containerd.cri.v1.runtime']
  netns_mounts_under_state_dir = true
  # Containers get an OOM score no lower than containerd's own: lowering one
  # (the kubelet asks -998 for sandboxes) needs CAP_SYS_RESOURCE, which a
  # container or VM running this cluster may not grant.
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "$BIN/runc"
        Root = "$s/runc"
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["$BIN/cni"]
    conf_dir = "$s/cni/net.d"

[plugins.'io.containerd.internal.v1.opt']
  path = "$s/containerd/opt"
EOF
  cat >"$s/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: "$node_ip"
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
# This machine has cgroup v1; Kubernetes keeps supporting it behind this switch.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: "/$CGROUP"
failSwapOn: false
containerRuntimeEndpoint: "unix://$s/containerd/containerd.sock"
podLogsDir: "$s/pod-logs"
staticPodPath: ""
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$s/pki/ca.crt"}
authorization: {mode: Webhook}
tlsCertFile: "$s/pki/kubelet-serving.crt"
tlsPrivateKeyFile: "$s/pki/kubelet-serving.key"
clusterDomain: cluster.local
clusterDNS: ["$dns_ip"]
# Pods with dnsPolicy Default get no upstream resolver: nothing outside exists.
resolvConf: ""
# A small, shared test machine: no evictions for disk or memory pressure.
evictionHard: {memory.available: "1Mi", nodefs.available: "0%", imagefs.available: "0%", nodefs.inodesFree: "0%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
# The kubelet sets the few kernel settings it relies on; up records them and
# down restores them (kernel_settings).
protectKernelDefaults: false
hairpinMode: hairpin-veth
EOF
  cat >"$s/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: "$s/kube-proxy.kubeconfig"
hostnameOverride: $node
mode: iptables
clusterCIDR: "$pod_cidr"
bindAddress: 0.0.0.0
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# Leave the (host-wide) conntrack settings alone.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF
}

# The host-wide kernel settings the kubelet changes (pkg/kubelet/cm's
# setupKernelTunables): saved before it starts, restored by down.
kernel_settings=(vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops
  kernel/keys/root_maxkeys kernel/keys/root_maxbytes)

save_kernel_settings() {
  local k
  for k in "${kernel_settings[@]}"; do
    [[ -f "/proc/sys/$k" ]] && echo "$k $(cat "/proc/sys/$k")"
  done >"$STATE_DIR/kernel-settings"
}

restore_kernel_settings() {
  local k v
  [[ -f "$STATE_DIR/kernel-settings" ]] || return 0
  while read -r k v; do
    [[ "$(cat "/proc/sys/$k")" == "$v" ]] || echo "$v" >"/proc/sys/$k" || true
  done <"$STATE_DIR/kernel-settings"
}

# Storage: the default StorageClass "local" has no provisioner; a pool of
# hostPath PersistentVolumes under the state directory serves the claims
# (world-writable, so that non-root pods can initialise them).
volume_count=8
local_volumes() {
  cat <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Retain
EOF
  local i dir
  for i in $(seq 1 "$volume_count"); do
    dir="$STATE_DIR/volumes/pv-$i"
    mkdir -p "$dir" && chmod 1777 "$dir"
    cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: local-pv-$i}
spec:
  storageClassName: local
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: "$dir", type: Directory}
EOF
  done
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
  command -v openssl >/dev/null || die "openssl is required"
  command -v iptables-restore >/dev/null || die "kube-proxy needs iptables (apt-get install iptables)"
  bash "$here/build.sh" real >&2
  BIN="$(bash "$here/build.sh" --print-bindir)"
  local images="$BIN/../share/images"

  STATE_DIR="$(mktemp -d "${TMPDIR:-/tmp}/mercado-k8s-real.XXXXXX")"
  local id="${STATE_DIR##*.}"
  id="${id,,}"
  NETNS="mercado-real-$id"
  CGROUP="mercado-real-$id"
  mkdir -p "$STATE_DIR/logs"
  read -r API_PORT <<<"$(free_ports 1)"
  PIDS=""
  : >"$state_file"
  record STATE_DIR "$STATE_DIR"
  record BIN "$BIN"
  record NETNS "$NETNS"
  record CGROUP "$CGROUP"
  record API_PORT "$API_PORT"
  # containerd's shims put their sockets under /run/containerd/s whatever the
  # configured state directory; down removes that folder if up made it.
  [[ -e /run/containerd ]] && record MADE_RUN_CONTAINERD 0 || record MADE_RUN_CONTAINERD 1
  record PIDS ""
  up_done=0
  trap 'up_failed' EXIT

  make_netns
  make_cgroups
  pki
  local d="$STATE_DIR/pki" inside="https://$node_ip:6443"
  kubeconfig "$STATE_DIR/admin.kubeconfig" admin "https://127.0.0.1:$API_PORT"
  kubeconfig "$STATE_DIR/admin-inside.kubeconfig" admin "$inside"
  kubeconfig "$STATE_DIR/controller-manager.kubeconfig" controller-manager "$inside"
  kubeconfig "$STATE_DIR/scheduler.kubeconfig" scheduler "$inside"
  kubeconfig "$STATE_DIR/kubelet.kubeconfig" kubelet "$inside"
  kubeconfig "$STATE_DIR/kube-proxy.kubeconfig" kube-proxy "$inside"
  write_configs

  log "network namespace $NETNS, node address $node_ip"
  start etcd "$BIN/etcd" --name=mercado-real --data-dir="$STATE_DIR/etcd" \
    --listen-client-urls=http://127.0.0.1:2379 --advertise-client-urls=http://127.0.0.1:2379 \
    --listen-peer-urls=http://127.0.0.1:2380 --initial-advertise-peer-urls=http://127.0.0.1:2380 \
    --initial-cluster=mercado-real=http://127.0.0.1:2380 --unsafe-no-fsync --log-level=warn
  start kube-apiserver "$BIN/kube-apiserver" \
    --bind-address=0.0.0.0 --advertise-address="$node_ip" --secure-port=6443 \
    --etcd-servers=http://127.0.0.1:2379 \
    --tls-cert-file="$d/apiserver.crt" --tls-private-key-file="$d/apiserver.key" \
    --client-ca-file="$d/ca.crt" \
    --kubelet-client-certificate="$d/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$d/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$d/ca.crt" \
    --kubelet-preferred-address-types=InternalIP \
    --authorization-mode=Node,RBAC \
    --enable-admission-plugins=NodeRestriction,PodSecurity \
    --allow-privileged=true \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$d/sa.pub" --service-account-signing-key-file="$d/sa.key" \
    --service-cluster-ip-range="$service_cidr" --service-node-port-range=30000-32767 \
    --profiling=false
  # The API server's port on the host's loopback (the tests' and users' kubectl).
  start_on_host forward python3 "$here/netns_forward.py" "/run/netns/$NETNS" "$API_PORT:$node_ip:6443"
  wait_for "kube-apiserver /readyz" kubectl_admin get --raw /readyz

  start kube-controller-manager "$BIN/kube-controller-manager" \
    --kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$d/sa.key" --root-ca-file="$d/ca.crt" \
    --cluster-signing-cert-file="$d/ca.crt" --cluster-signing-key-file="$d/ca.key" \
    --allocate-node-cidrs=true --cluster-cidr="$pod_cidr" --node-cidr-mask-size=24 \
    --service-cluster-ip-range="$service_cidr" --profiling=false
  start kube-scheduler "$BIN/kube-scheduler" \
    --kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --profiling=false

  log "starting containerd $CONTAINERD_VERSION, runc $RUNC_VERSION"
  start containerd env PATH="$BIN:$PATH" "$BIN/containerd" --config "$STATE_DIR/containerd/config.toml"
  wait_for "containerd" "$BIN/ctr" --address "$STATE_DIR/containerd/containerd.sock" version
  local tar
  for tar in "$images/pause.tar" "$images/coredns.tar"; do
    ctr_k8s images import "$tar" >&2
  done

  log "starting kubelet and kube-proxy $K8S_VERSION"
  save_kernel_settings
  start kubelet env PATH="$BIN:$PATH" "$BIN/kubelet" \
    --config="$STATE_DIR/kubelet.yaml" --kubeconfig="$STATE_DIR/kubelet.kubeconfig" \
    --root-dir="$STATE_DIR/kubelet" --hostname-override="$node" --node-ip="$node_ip"
  start kube-proxy "$BIN/kube-proxy" --config="$STATE_DIR/kube-proxy.yaml"
  wait_for "node $node Ready" kubectl_admin wait --for=condition=Ready "node/$node" --timeout=1s

  log "starting CoreDNS $COREDNS_VERSION"
  sed -e "s/{{VERSION}}/${COREDNS_VERSION#v}/g" -e "s/{{DNS_IP}}/$dns_ip/g" \
    "$here/coredns.yaml" | kubectl_admin apply -f - >&2
  wait_for "CoreDNS available" kubectl_admin -n kube-system wait --for=condition=Available \
    deployment/coredns --timeout=1s
  wait_for "the default service account" kubectl_admin -n default get serviceaccount default
  local_volumes | kubectl_admin apply -f - >&2

  # NodePorts on the host's loopback: <nodePort>=<host port>.
  local port ports="" specs=()
  for port in $publish; do
    local host_port
    host_port="$(free_ports 1)"
    specs+=("$host_port:$node_ip:$port")
    ports+="${ports:+ }$port=$host_port"
  done
  if ((${#specs[@]})); then
    start_on_host publish python3 "$here/netns_forward.py" "/run/netns/$NETNS" "${specs[@]}"
  fi
  record PUBLISHED "$ports"

  up_done=1
  trap - EXIT
  log "cluster up in $((SECONDS - t0))s; state in $STATE_DIR; published NodePorts: $ports"
  echo "KUBECONFIG=$STATE_DIR/admin.kubeconfig"
}

ctr_k8s() { "$BIN/ctr" --address "$STATE_DIR/containerd/containerd.sock" -n k8s.io "$@"; }

# ---------------------------------------------------------------------------
# down

cmd_down() {
  if ! load_state; then
    [[ -f "$state_file" ]] && rm -f "$state_file"
    log "no cluster recorded in $state_file"
    return 0
  fi
  local pid pids=()
  for pid in $PIDS; do pids=("$pid" "${pids[@]}"); done
  # The kubelet first (so it restarts nothing), then the pods' containers
  # and sandboxes through containerd, then the rest in reverse start order.
  local entry
  for pid in "${pids[@]}"; do
    [[ "$(proc_name "$pid")" == kubelet ]] && stop_pid "$pid"
  done
  if [[ -S "$STATE_DIR/containerd/containerd.sock" ]]; then
    local task
    for task in $(timeout 20 "$BIN/ctr" --address "$STATE_DIR/containerd/containerd.sock" \
        -n k8s.io tasks ls -q 2>/dev/null); do
      ctr_k8s tasks kill -s SIGKILL "$task" >/dev/null 2>&1 || true
    done
  fi
  for pid in "${pids[@]}"; do stop_pid "$pid"; done
  # Whatever still runs in the pods' cgroups (a shim, a container) is ours.
  local h
  if [[ -n "${CGROUP:-}" ]]; then
    for h in $(cgroup_hierarchies); do
      [[ -d "$h/$CGROUP" ]] || continue
      find "$h/$CGROUP" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
    done
    # containerd's shims run outside the pods' cgroups: those started by our containerd.
    for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $STATE_DIR/containerd/containerd.sock" || true); do
      kill -KILL "$pid" 2>/dev/null || true
    done
    sleep 0.5
    # runc also mirrors the pods' cgroups into the cgroup v2 ("unified") mount.
    for h in $(cgroup_hierarchies) /sys/fs/cgroup/unified; do
      [[ -d "$h/$CGROUP" ]] && find "$h/$CGROUP" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
  fi
  restore_kernel_settings
  # Every mount under the state directory (volumes, overlay root filesystems,
  # network namespace files), deepest first.
  case "$STATE_DIR" in
    */mercado-k8s-real.*)
      local m
      while read -r m; do
        umount -l "$m" 2>/dev/null || true
      done < <(awk -v d="$STATE_DIR" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r)
      rm -rf "$STATE_DIR" ;;
    *) log "not removing unexpected state directory $STATE_DIR" ;;
  esac
  if [[ "${MADE_RUN_CONTAINERD:-0}" == 1 ]]; then
    rmdir /run/containerd/s /run/containerd 2>/dev/null || true
  fi
  # The namespace goes with its devices, addresses, routes and iptables rules.
  if [[ -n "${NETNS:-}" ]] && ip netns list | grep -qw "$NETNS"; then
    ip netns delete "$NETNS"
  fi
  rm -f "$state_file"
  log "cluster stopped"
}

# ---------------------------------------------------------------------------

cmd_status() {
  if ! load_state; then
    echo "no cluster (no record in $state_file)"
    return 1
  fi
  echo "state: $STATE_DIR"
  echo "network namespace: $NETNS"
  echo "API server: https://127.0.0.1:$API_PORT"
  echo "published NodePorts (nodePort=host port on 127.0.0.1): ${PUBLISHED:-}"
  local pid
  for pid in $PIDS; do
    if alive "$pid"; then echo "running: $(proc_name "$pid") (pid $pid)"; else echo "exited:  pid $pid"; fi
  done
  if healthy; then
    echo "KUBECONFIG=$STATE_DIR/admin.kubeconfig"
  else
    echo "unhealthy"
    return 1
  fi
}

cmd_load() {
  healthy || die "no healthy cluster recorded in $state_file (run: cluster-real.sh up)"
  local tar
  for tar in "$@"; do
    log "importing $tar"
    ctr_k8s images import "$tar" >&2
  done
}

exec 8>"$state_file.lock"
flock 8

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  load) shift; cmd_load "$@" ;;
  exec) shift; load_state || die "no cluster recorded"; flock -u 8; in_netns "$@" ;;
  ctr) shift; load_state || die "no cluster recorded"; flock -u 8; ctr_k8s "$@" ;;
  *) echo "usage: $0 up|down|status|load IMAGE_TAR...|exec CMD...|ctr ARGS..." >&2; exit 2 ;;
esac
