#!/usr/bin/env bash
# `make images`: builds the shop's container images on a machine that may have none.
#   images/build.sh [NAME...]      default: every image in IMAGES below
# It starts Debian's Docker engine when no daemon answers, builds the base image with
# debootstrap when it is absent (images/base.sh), downloads each package's locked wheels on
# the host (so no HTTPS is needed inside a build), then builds mercado/<name>:<version>.
# Environment:
#   BASE_IMAGE         base of every build stage (default mercado/debian:bookworm); built
#                      by debootstrap (Debian bookworm) under that name when absent
#   EXTRA_CA_DIR       extra CA certificates (*.crt) the builder stage trusts, never the
#                      final image (default /usr/local/share/ca-certificates)
#   IMAGE_REPOSITORY   image name prefix (default mercado)
#   MERCADO_IMAGES_CACHE  wheel cache and build contexts (default ~/.cache/mercado/images)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
CACHE=${MERCADO_IMAGES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mercado/images}
BASE_IMAGE=${BASE_IMAGE:-mercado/debian:bookworm}
EXTRA_CA_DIR=${EXTRA_CA_DIR:-/usr/local/share/ca-certificates}
REPO=${IMAGE_REPOSITORY:-mercado}
PYTHON=${PYTHON:-python3}
UV=("$PYTHON" -m uv)
export UV_SYSTEM_CERTS=1 DOCKER_BUILDKIT=0
SUDO=$([ "$(id -u)" -eq 0 ] || echo sudo)

# Name -> how it is built. Python images: "python <workspace package> <module> [args]".
# Another image (the operator's, for example) adds a line here and, when it needs more
# than a Python package, a build_<kind> function below.
declare -A IMAGE_SPECS=(
    [catalog]="python mercado-catalog mercado_catalog"
    [inventory]="python mercado-inventory mercado_inventory"
    [orders]="python mercado-orders mercado_orders"
    [payment]="python mercado-payment mercado_payment"
    [notifications]="python mercado-notifications mercado_notifications"
    [gateway]="python mercado-gateway mercado_gateway"
    [bank]="python mercado-bank mercado_bank"
    [mailcatcher]="python mercado-mailcatcher mercado_mailcatcher --host 0.0.0.0 --port 1025 --dir /data/mail --http-port 8025"
    [nats]="nats"
    [postgresql]="postgresql"
    [operator]="operator"
)
ORDER=(nats postgresql mailcatcher catalog inventory bank payment orders notifications gateway
       operator)

log() { printf '==> %s\n' "$*" >&2; }

ensure_docker() {
    if docker info >/dev/null 2>&1; then return; fi
    if ! command -v dockerd >/dev/null; then
        log "installing Debian's Docker engine (docker.io)"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker.io
    fi
    if ! docker info >/dev/null 2>&1; then
        mkdir -p "$CACHE"
        log "starting dockerd (log: $CACHE/dockerd.log)"
        $SUDO sh -c "setsid nohup dockerd >'$CACHE/dockerd.log' 2>&1 &"
        for _ in $(seq 120); do docker info >/dev/null 2>&1 && return; sleep 1; done
        tail -n 20 "$CACHE/dockerd.log" >&2
        echo "dockerd did not start" >&2
        exit 1
    fi
}

ensure_base() {
    docker image inspect "$BASE_IMAGE" >/dev/null 2>&1 && return
    log "building the base image $BASE_IMAGE (debootstrap)"
    DOCKER=docker bash "$HERE/base.sh" "$BASE_IMAGE"
}

package_dir() {  # mercado-catalog -> services/catalog (from the workspace's own listing)
    "${UV[@]}" export --package "$1" --frozen --no-dev --no-header --no-hashes \
        | sed -nE 's/^-e \.\/(.*)$/\1/p'
}

package_version() {
    "$PYTHON" -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' \
        "$ROOT/$1/pyproject.toml"
}

# The build context of a Python image: locked third-party wheels, workspace wheels, CAs.
python_context() {
    local package=$1 ctx=$2 req dir
    rm -rf "$ctx" && mkdir -p "$ctx/deps" "$ctx/app" "$ctx/ca" "$CACHE/wheels"
    req="$ctx/requirements.txt"
    "${UV[@]}" export --package "$package" --frozen --no-dev --no-header --no-emit-workspace \
        -o "$req" >/dev/null
    # From the wheel cache when it has them all, else from the index (then cached).
    if ! "$PYTHON" -m pip download --quiet --no-deps --only-binary :all: --no-index \
            --find-links "$CACHE/wheels" -r "$req" -d "$ctx/deps" 2>/dev/null; then
        log "downloading the wheels of $package"
        "$PYTHON" -m pip download --quiet --no-deps --only-binary :all: -r "$req" \
            -d "$CACHE/wheels"
        "$PYTHON" -m pip download --quiet --no-deps --only-binary :all: --no-index \
            --find-links "$CACHE/wheels" -r "$req" -d "$ctx/deps"
    fi
    for dir in $(package_dir "$package"); do
        "${UV[@]}" build --quiet --wheel -o "$ctx/app" "$ROOT/$dir"
    done
    rm -f "$ctx/app/.gitignore"
    if [ -d "$EXTRA_CA_DIR" ]; then
        find "$EXTRA_CA_DIR" -name '*.crt' -type f -exec cp {} "$ctx/ca/" \;
    fi
    cp "$HERE/runtime-root.sh" "$ctx/"
    cp "$HERE/python.Dockerfile" "$ctx/Dockerfile"
}

build_python() {
    local name=$1 package=$2 module=$3; shift 3
    local dir version ctx tag arg cmd=""
    dir=$(package_dir "$package" | grep -v '^packages/toolkit$' | tail -n1)
    version=$(package_version "$dir")
    tag="$REPO/$name:$version"
    ctx="$CONTEXTS/$name"
    python_context "$package" "$ctx"
    local prefix="MERCADO_${module#mercado_}"
    prefix=${prefix%%.*}
    local settings="$ctx/settings"
    {
        if [[ $module != *.* ]]; then  # a service: listen on every address, SQLite in /data
            echo "ENV ${prefix^^}_HOST=0.0.0.0 \\"
            echo "    ${prefix^^}_DATABASE_URL=sqlite+aiosqlite:////data/${name}.db"
        fi
        echo "LABEL org.opencontainers.image.title=\"mercado-$name\" \\"
        echo "      org.opencontainers.image.version=\"$version\""
        echo "ENTRYPOINT [\"python\", \"-m\", \"$module\"]"
        if [ $# -gt 0 ]; then
            for arg in "$@"; do cmd+="${cmd:+, }\"$arg\""; done
            echo "CMD [$cmd]"
        fi
    } > "$settings"
    # Before the code's layer, so that a code change rebuilds that one layer only.
    sed -i -e "/^# @image-settings@/r $settings" -e '/^# @image-settings@/d' "$ctx/Dockerfile"
    rm "$settings"
    docker_build "$tag" "$ctx"
    # The image must import its code as the non-root user on a read-only root filesystem.
    local main=$module
    [[ $main == *.* ]] || main="$main.__main__"
    docker run --rm --read-only --user 65532:65532 --cap-drop ALL --network none \
        --entrypoint python "$tag" -c "import importlib; importlib.import_module('$main')" \
        || { echo "$tag does not import $main" >&2; exit 1; }
}

build_nats() {
    local ctx="$CONTEXTS/nats" binary version
    [ -x "$ROOT/.venv/bin/nats-server" ] || make -C "$ROOT" env >/dev/null
    binary="$ROOT/.venv/bin/nats-server"
    version=$("$binary" --version | sed -E 's/.*v([0-9][^ ]*).*/\1/')
    rm -rf "$ctx" && mkdir -p "$ctx/data"
    cp "$binary" "$ctx/nats-server"
    cp "$HERE/nats.Dockerfile" "$ctx/Dockerfile"
    docker_build "$REPO/nats:$version" "$ctx"
}

build_postgresql() {
    local ctx="$CONTEXTS/postgresql"
    rm -rf "$ctx" && mkdir -p "$ctx"
    cp "$HERE/postgresql.Dockerfile" "$ctx/Dockerfile"
    cp "$HERE/postgresql-entrypoint.sh" "$HERE/postgresql-libs.sh" "$ctx/"
    docker_build "$REPO/postgresql:15" "$ctx"
}

# The operator: its Python package as above, then the helm binary it renders with (the
# pinned one of tests/k8s, built from its Go module) and the umbrella chart.
build_operator() {
    local name=$1 ctx="$CACHE/context/operator-helm" version bindir
    build_python "$name" mercado-operator mercado_operator
    version=$(package_version operator)
    bindir=$(bash "$ROOT/tests/k8s/build.sh" --print-bindir)
    [ -x "$bindir/helm" ] || bash "$ROOT/tests/k8s/build.sh" helm >&2
    rm -rf "$ctx" && mkdir -p "$ctx/charts"
    cp "$bindir/helm" "$ctx/helm"
    cp -rL "$ROOT/charts/mercado" "$ctx/charts/mercado"
    { echo "FROM $REPO/$name:$version"; cat "$HERE/operator.Dockerfile"; } >"$ctx/Dockerfile"
    docker_build "$REPO/$name:$version" "$ctx"
    docker run --rm --read-only --user 65532:65532 --cap-drop ALL --network none \
        --entrypoint helm "$REPO/$name:$version" template shop /opt/mercado/charts/mercado \
        >/dev/null || { echo "$REPO/$name:$version cannot render the chart" >&2; exit 1; }
}

docker_build() {
    local tag=$1 ctx=$2 start=$SECONDS
    log "building $tag"
    if ! docker build --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$tag" "$ctx" >"$ctx.log" 2>&1; then
        tail -n 40 "$ctx.log" >&2
        cp "$ctx.log" "$CACHE/failed-$(basename "$ctx").log"
        echo "building $tag failed (whole log: $CACHE/failed-$(basename "$ctx").log)" >&2
        exit 1
    fi
    log "built $tag in $((SECONDS - start)) s, $(docker image inspect -f '{{.Size}}' "$tag" \
        | awk '{printf "%.0f MB", $1 / 1e6}')"
}

main() {
    local names=("$@") name spec
    # Build contexts of this run only: builds started at the same time never share one.
    mkdir -p "$CACHE/context"
    CONTEXTS=$(mktemp -d "$CACHE/context/run.XXXXXX")
    trap 'rm -rf "$CONTEXTS"' EXIT
    [ ${#names[@]} -gt 0 ] || names=("${ORDER[@]}")
    for name in "${names[@]}"; do
        [ -n "${IMAGE_SPECS[$name]:-}" ] || { echo "unknown image: $name (known: ${ORDER[*]})" >&2; exit 2; }
    done
    ensure_docker
    ensure_base
    for name in "${names[@]}"; do
        read -r -a spec <<< "${IMAGE_SPECS[$name]}"
        "build_${spec[0]}" "$name" "${spec[@]:1}"
    done
}

main "$@"
