#!/usr/bin/env bash
# Build the test cluster's binaries from their Go modules, once, into a cache
# directory outside the repository:
#
#   ${MERCADO_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mercado/k8s}/<K8S_VERSION>/bin
#
# A binary is rebuilt only when it is missing or was built from another pinned
# version (a stamp file per binary records the version it was built from).
# Versions come from versions.env next to this script.
#
# Usage: build.sh [--print-bindir] [component...]
#   components: kubernetes etcd kwok metrics-server helm kind
#               kubelet containerd runc cni-plugins coredns pause
#               (default: all);
#               "cluster" stands for the ones the kwok test cluster runs
#               (kubernetes etcd kwok metrics-server), "real" for the ones the
#               real-node cluster (cluster-real.sh) runs: the control plane,
#               kubelet and kube-proxy, containerd, runc, the CNI plugins,
#               and the CoreDNS and pause images
#   --print-bindir  only print the binary directory and exit
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"

cache_root="${MERCADO_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mercado/k8s}"
cache="$cache_root/$K8S_VERSION"
bindir="$cache/bin"
stamps="$cache/stamps"
srcdir="$cache/src"     # generated wrapper modules
logdir="$cache/logs"
sharedir="$cache/share"   # data files that go with the binaries

if [[ "${1:-}" == "--print-bindir" ]]; then
  echo "$bindir"
  exit 0
fi

cluster=(kubernetes etcd kwok metrics-server)
real=(kubernetes etcd kubelet containerd runc cni-plugins coredns pause)
all=("${cluster[@]}" helm kind "${real[@]:2}")
components=()
for arg in "${@:-${all[@]}}"; do
  case "$arg" in
    cluster) components+=("${cluster[@]}") ;;
    real) components+=("${real[@]}") ;;
    *) components+=("$arg") ;;
  esac
done

mkdir -p "$bindir" "$stamps" "$srcdir" "$logdir" "$cache/locks"

# Static, reproducible binaries; no VCS stamping (the module cache has no VCS)
# and no workspace file from wherever we are called.
export CGO_ENABLED=0 GOWORK=off GOFLAGS="-buildvcs=false" GO111MODULE=on
strip_flags="-s -w"

log() { printf '[k8s-build] %s\n' "$*" >&2; }

command -v go >/dev/null || { log "go is required (https://go.dev)"; exit 1; }

# Each component is built by one process at a time (pytest and make may race);
# different components may build side by side. See build().

# up_to_date NAME VERSION FILE...: true when every FILE exists and NAME's stamp says VERSION.
up_to_date() {
  local name="$1" version="$2"; shift 2
  [[ -f "$stamps/$name" && "$(cat "$stamps/$name")" == "$version" ]] || return 1
  local b
  for b in "$@"; do [[ -e "$bindir/$b" ]] || return 1; done
}

# timed NAME CMD...: runs CMD with its output in logs/NAME.log, reports the time.
# CMD runs as a background job: in bash, `set -e` is ignored inside a function
# called from a condition (if/!/||), but not in an asynchronous job.
timed() {
  local name="$1"; shift
  local start=$SECONDS
  log "building $name (log: $logdir/$name.log)"
  "$@" >"$logdir/$name.log" 2>&1 &
  if ! wait $!; then
    log "building $name failed; last lines of its log:"
    tail -n 30 "$logdir/$name.log" >&2
    return 1
  fi
  log "built $name in $((SECONDS - start))s"
  echo "$(date -u +%FT%TZ) $name $((SECONDS - start))s" >>"$logdir/timings"
}

# build NAME VERSION BUILDER FILE...: runs BUILDER unless the FILEs (relative to
# the bin directory) exist and were built from VERSION.
build() {
  local name="$1" version="$2" builder="$3"; shift 3
  if up_to_date "$name" "$version" "$@"; then
    log "$name $version: cached"
    return 0
  fi
  local lock="$cache/locks/$name.lock" fd
  exec {fd}>"$lock"
  if ! flock -n "$fd"; then
    log "another build of $name holds $lock; waiting for it"
    flock "$fd"
  fi
  if up_to_date "$name" "$version" "$@"; then
    log "$name $version: built by another process"
  else
    timed "$name" "$builder" || exit 1
    echo "$version" >"$stamps/$name"
  fi
  exec {fd}>&-
}

# go_install OUTDIR PKG@VERSION LDFLAGS: for modules without replace directives.
go_install() {
  local out="$1" pkg="$2" ldflags="$3"
  GOBIN="$out" go install -trimpath -ldflags="$strip_flags $ldflags" "$pkg"
}

# ---------------------------------------------------------------------------
# k8s_build NAME CMD...: builds k8s.io/kubernetes/cmd/<CMD> for each CMD in
# the wrapper module $srcdir/NAME-<version> (one `go build`, so shared
# packages compile once) and moves the binaries into the bin directory.
k8s_build() {
  local name="$1"; shift
  local v="$K8S_VERSION" w="$srcdir/$name-$K8S_VERSION"
  local staging_v="v0.${v#v1.}"            # v1.37.2 -> v0.37.2
  local major minor
  IFS=. read -r major minor _ <<<"${v#v}"
  rm -rf "$w" && mkdir -p "$w"

  local gomod
  gomod="$(cd "$w" && go mod download -json "k8s.io/kubernetes@$v" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [[ -f "$gomod" ]] || { echo "no go.mod for k8s.io/kubernetes@$v"; return 1; }

  local go_directive godebug staging
  go_directive="$(sed -n 's/^go \(.*\)$/\1/p' "$gomod")"
  godebug="$(grep -E '^godebug ' "$gomod" || true)"   # keep upstream's runtime defaults
  staging="$(sed -n 's#^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/.*#\1#p' "$gomod")"
  [[ -n "$staging" ]] || { echo "found no staging modules in $gomod"; return 1; }

  {
    echo "module mercado.test/k8s-wrapper"
    echo
    echo "go $go_directive"
    [[ -n "$godebug" ]] && { echo; echo "$godebug"; }
    echo
    echo "require k8s.io/kubernetes $v"
    echo
    echo "replace ("
    local m
    for m in $staging; do echo "	$m => $m $staging_v"; done
    echo ")"
  } >"$w/go.mod"

  # What `kubectl version` and the components report (hack/lib/version.sh sets the same).
  local x="" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    x+=" -X $p.gitVersion=$v -X $p.gitMajor=$major -X $p.gitMinor=$minor"
    x+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done

  local pkgs=() c
  for c in "$@"; do pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  (
    cd "$w"
    go get "${pkgs[@]}"
    mkdir -p out
    go build -trimpath -ldflags="$strip_flags$x" -o out/ "${pkgs[@]}"
  )
  for c in "$@"; do mv -f "$w/out/$c" "$bindir/$c"; done
}

# Kubernetes: k8s.io/kubernetes replaces its staging modules (k8s.io/api,
# k8s.io/client-go, ...) with local paths, so `go install` refuses it. We build
# from a generated wrapper module that requires k8s.io/kubernetes and replaces
# every staging module with its published v0.<minor>.<patch>. The staging list
# is read from the go.mod of the exact tag.
build_kubernetes() {
  k8s_build kubernetes kube-apiserver kube-controller-manager kube-scheduler kubectl
}

# The real node's agents, from the same module (and the same build cache).
build_kubelet() {
  k8s_build kubernetes-node kubelet kube-proxy
}

# etcd: go.etcd.io/etcd/server/v3 (whose main package is the etcd server) has
# replace directives for its sibling modules: same wrapper trick.
build_etcd() {
  local v="$ETCD_VERSION" w="$srcdir/etcd-$ETCD_VERSION"
  rm -rf "$w" && mkdir -p "$w"
  cat >"$w/go.mod" <<EOF
module mercado.test/etcd-wrapper

go 1.26.0

require go.etcd.io/etcd/server/v3 $v

replace (
	go.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 $v
	go.etcd.io/etcd/client/pkg/v3 => go.etcd.io/etcd/client/pkg/v3 $v
	go.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 $v
	go.etcd.io/etcd/pkg/v3 => go.etcd.io/etcd/pkg/v3 $v
)
EOF
  (
    cd "$w"
    go get "go.etcd.io/etcd/server/v3"
    go build -trimpath -ldflags="$strip_flags" -o out/etcd go.etcd.io/etcd/server/v3
  )
  mv -f "$w/out/etcd" "$bindir/etcd"
}

# kwok, plus the upstream objects (of the same version) that its config file
# needs: the node and pod lifecycle stages, the kubelet-like resource metrics
# endpoint, and resource usage taken from pod annotations.
build_kwok() {
  go_install "$bindir" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" ""
  local dir out="$sharedir/kwok-objects.yaml" f
  dir="$(go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  mkdir -p "$sharedir"
  : >"$out.tmp"
  for f in stage/node/fast/node-initialize.yaml \
           stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           stage/pod/fast/pod-ready.yaml \
           stage/pod/fast/pod-complete.yaml \
           stage/pod/fast/pod-delete.yaml \
           metrics/resource/metrics-resource.yaml \
           metrics/usage/usage-from-annotation.yaml; do
    { echo "---"; echo "# from sigs.k8s.io/kwok@$KWOK_VERSION kustomize/$f"; cat "$dir/kustomize/$f"; } >>"$out.tmp"
  done
  mv -f "$out.tmp" "$out"
}

build_metrics_server() {
  # Its Makefile sets the version through client-go's version package.
  go_install "$bindir" "sigs.k8s.io/metrics-server/cmd/metrics-server@$METRICS_SERVER_VERSION" \
    "-X k8s.io/client-go/pkg/version.gitVersion=$METRICS_SERVER_VERSION"
}

build_helm() {
  go_install "$bindir" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" \
    "-X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
}

build_kind() {
  go_install "$bindir" "sigs.k8s.io/kind@$KIND_VERSION" ""
}

# containerd (with its runc shim and the ctr client) and runc need cgo: runc's
# seccomp filter links Debian's libseccomp (libseccomp-dev, pkg-config).
build_containerd() {
  local m=github.com/containerd/containerd/v2
  CGO_ENABLED=1 GOBIN="$bindir" go install -trimpath \
    -ldflags="$strip_flags -X $m/version.Version=$CONTAINERD_VERSION" \
    "$m/cmd/containerd@$CONTAINERD_VERSION" "$m/cmd/containerd-shim-runc-v2@$CONTAINERD_VERSION" \
    "$m/cmd/ctr@$CONTAINERD_VERSION"
}

build_runc() {
  pkg-config --exists libseccomp || {
    echo "runc needs libseccomp-dev and pkg-config (apt-get install libseccomp-dev pkg-config)"
    return 1
  }
  CGO_ENABLED=1 GOBIN="$bindir" go install -trimpath -tags seccomp \
    -ldflags="$strip_flags -X main.version=${RUNC_VERSION#v}" \
    "github.com/opencontainers/runc@$RUNC_VERSION"
}

# The CNI plugins the node's pod network uses, in their own directory.
build_cni_plugins() {
  local m=github.com/containernetworking/plugins p
  mkdir -p "$bindir/cni"
  for p in main/bridge main/loopback ipam/host-local meta/portmap; do
    go_install "$bindir/cni" "$m/plugins/$p@$CNI_PLUGINS_VERSION" \
      "-X $m/pkg/utils/buildversion.BuildVersion=$CNI_PLUGINS_VERSION"
  done
}

# Images for the real node, written as OCI archives that `ctr images import`
# loads: no container engine is needed to make them.
images_dir="$sharedir/images"

# CoreDNS: a static binary in an otherwise empty image, with only the plugins the
# cluster's Corefile uses (COREDNS_PLUGINS): its full plugin set pulls in the cloud
# providers' SDKs, which take most of a cold build. As upstream documents for custom
# builds: the module's source, a shorter plugin.cfg (upstream's order kept: it is the
# order the plugins run in), `go generate`, `go build`.
build_coredns() {
  local tmp src
  tmp="$(mktemp -d)"
  src="$(go mod download -json "github.com/coredns/coredns@$COREDNS_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  cp -r "$src" "$tmp/src"
  chmod -R u+w "$tmp/src"
  local keep="^(${COREDNS_PLUGINS//,/|}):"
  grep -E "$keep" "$src/plugin.cfg" >"$tmp/src/plugin.cfg"
  local want have
  want="$(tr ',' '\n' <<<"$COREDNS_PLUGINS" | sort)"
  have="$(cut -d: -f1 "$tmp/src/plugin.cfg" | sort)"
  [[ "$want" == "$have" ]] || { echo "plugins not in CoreDNS's plugin.cfg: $COREDNS_PLUGINS"; return 1; }
  (cd "$tmp/src" && go generate coredns.go &&
    go build -trimpath -ldflags="$strip_flags" -o "$tmp/coredns" .)
  "$tmp/coredns" -plugins
  mkdir -p "$images_dir"
  python3 "$here/oci_image.py" "$images_dir/coredns.tar" "mercado/coredns:${COREDNS_VERSION#v}" \
    --entrypoint /coredns --user 65532:65532 --port 53/udp --port 53/tcp \
    "/coredns=$tmp/coredns"
  rm -rf "$tmp"
}

# The pod sandbox ("pause") image, from Kubernetes' own pause.c: a static gcc
# build in an empty image, as upstream's build/pause/Dockerfile does.
build_pause() {
  local dir tmp
  dir="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  tmp="$(mktemp -d)"
  gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION-mercado" \
    -o "$tmp/pause" "$dir/build/pause/linux/pause.c"
  mkdir -p "$images_dir"
  python3 "$here/oci_image.py" "$images_dir/pause.tar" "mercado/pause:$PAUSE_VERSION" \
    --entrypoint /pause --user 65535:65535 "/pause=$tmp/pause"
  rm -rf "$tmp"
}

for comp in "${components[@]}"; do
  case "$comp" in
    kubernetes)
      build kubernetes "$K8S_VERSION" build_kubernetes \
        kube-apiserver kube-controller-manager kube-scheduler kubectl ;;
    etcd) build etcd "$ETCD_VERSION" build_etcd etcd ;;
    kwok) build kwok "$KWOK_VERSION" build_kwok kwok ../share/kwok-objects.yaml ;;
    metrics-server)
      build metrics-server "$METRICS_SERVER_VERSION" build_metrics_server metrics-server ;;
    helm) build helm "$HELM_VERSION" build_helm helm ;;
    kind) build kind "$KIND_VERSION" build_kind kind ;;
    kubelet) build kubelet "$K8S_VERSION" build_kubelet kubelet kube-proxy ;;
    containerd)
      build containerd "$CONTAINERD_VERSION" build_containerd \
        containerd containerd-shim-runc-v2 ctr ;;
    runc) build runc "$RUNC_VERSION" build_runc runc ;;
    cni-plugins)
      build cni-plugins "$CNI_PLUGINS_VERSION" build_cni_plugins \
        cni/bridge cni/loopback cni/host-local cni/portmap ;;
    coredns)
      build coredns "$COREDNS_VERSION $COREDNS_PLUGINS" build_coredns ../share/images/coredns.tar ;;
    pause) build pause "$PAUSE_VERSION" build_pause ../share/images/pause.tar ;;
    *) log "unknown component: $comp (known: ${all[*]})"; exit 2 ;;
  esac
done

log "binaries in $bindir"
