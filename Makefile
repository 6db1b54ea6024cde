# Mercado: two commands set everything up on a fresh machine.
#   make run    creates the environment and starts the whole shop locally
#   make test   creates the environment, installs what the tests need, runs them all

SHELL := /bin/bash
PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
# uv verifies TLS with the system certificate store (corporate proxies add their CA there).
export UV_SYSTEM_CERTS := 1

.PHONY: run test env system-deps browser-deps lint format unit integration cluster browser fuzz chaos \
        containers generate dashboards bench-tracing \
        bench bench-deps mutation k8s-bins test-cluster test-cluster-down migration contracts screenshot \
        clean charts charts-test manifests kind-up kind-down images images-save \
        test-cluster-real test-cluster-real-down test-cluster-real-images realcluster operator crds

## Environment -------------------------------------------------------------------------

$(BIN)/.synced: pyproject.toml uv.lock $(wildcard packages/*/pyproject.toml services/*/pyproject.toml operator/pyproject.toml)
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --all-packages --frozen --python $(PYTHON)
	@touch $@

env: $(BIN)/.synced

# Debian packages the tests use: a PostgreSQL server, Chromium for the storefront tests,
# openssl for the test clusters' certificates, Prometheus and promtool for the observability
# tests (and `mercado up --observability`); for the real-node cluster, libseccomp-dev and
# pkg-config (runc's build), iptables (kube-proxy) and a static busybox (its test image).
SYSTEM_PACKAGES := postgresql chromium openssl prometheus libseccomp-dev pkg-config iptables \
                   busybox-static
system-deps:
	@missing=""; \
	command -v promtool >/dev/null 2>&1 || missing="$$missing prometheus"; \
	ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	pkg-config --exists libseccomp 2>/dev/null || missing="$$missing libseccomp-dev pkg-config"; \
	command -v iptables-restore >/dev/null 2>&1 || PATH="$$PATH:/usr/sbin:/sbin" command -v iptables-restore >/dev/null 2>&1 || missing="$$missing iptables"; \
	dpkg -s busybox-static >/dev/null 2>&1 || missing="$$missing busybox-static"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

## Run ---------------------------------------------------------------------------------

run: env
	$(BIN)/mercado up

## Tests -------------------------------------------------------------------------------

# The Kubernetes binaries (cluster, helm, kind) are built once into a cache outside the
# repository; a warm cache makes this step instant.
test: env system-deps lint k8s-bins
	$(BIN)/pytest $(PYTEST_ARGS)

unit: env
	$(BIN)/pytest -m unit $(PYTEST_ARGS)

integration: env system-deps
	$(BIN)/pytest -m integration $(PYTEST_ARGS)

cluster: env system-deps
	$(BIN)/pytest -m cluster $(PYTEST_ARGS)

realcluster: env system-deps
	$(BIN)/pytest -m realcluster $(PYTEST_ARGS)

browser: env system-deps
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

# The Shop operator on the test cluster (a subset of `cluster`).
operator: env system-deps
	$(BIN)/pytest -m operator $(PYTEST_ARGS)

fuzz: env
	$(BIN)/pytest -m fuzz -s $(PYTEST_ARGS)

chaos: env
	$(BIN)/pytest -m chaos -s $(PYTEST_ARGS)

containers: env
	$(BIN)/pytest -m containers $(PYTEST_ARGS)

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: env
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Speed and footprint figures next to their baselines, in one bounded run (about 20
# minutes on two busy cores): reads against a bare FastAPI app (SQLite and PostgreSQL,
# through the gateway), checkout against a monolith baseline, `mercado up` start-up and
# memory, the operator on the Kubernetes test cluster. Prints the table and writes
# bench-results/<time>/report.{md,json}. Figures are printed, never asserted.
BENCH_ARGS ?=
bench: env system-deps bench-deps
	$(BIN)/python -m tests.bench $(BENCH_ARGS)

# Mutation testing of the money and data paths (mutmut, forked workers under nice): plants
# small bugs in inventory, orders, payment, bank (domain, operations, store) and the
# toolkit's events, HTTP client and auth, runs the fast tests that reach each one, and
# prints killed/survived/timed out per module into mutation-results/report.{md,json}.
# Not part of `make test`. Bounded: at most MUTATION_TIMEOUT seconds per target; the next
# run goes on where the last one stopped (MUTATION_FRESH=1 starts over).
# MODULES=bank,payment runs only those targets.
MODULES ?=
MUTATION_TIMEOUT ?= 1200
MUTATION_WORKERS ?= 3
MUTATION_FRESH ?=
mutation: env
	$(BIN)/python -m tests.mutation --targets "$(MODULES)" --timeout $(MUTATION_TIMEOUT) \
	  --workers $(MUTATION_WORKERS) $(if $(MUTATION_FRESH),--fresh)

# wrk (Debian's package) generates the read load.
bench-deps:
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "installing Debian packages: wrk"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends wrk; }

## Kubernetes test cluster (built from Go modules, cached outside the repository) --------

k8s-bins:
	bash tests/k8s/build.sh

test-cluster:
	bash tests/k8s/cluster.sh up

test-cluster-down:
	bash tests/k8s/cluster.sh down

# The second flavour: one real node (kubelet, containerd, runc, CNI, kube-proxy, CoreDNS)
# inside a network namespace of its own; needs root.
test-cluster-real: system-deps
	bash tests/k8s/cluster-real.sh up

test-cluster-real-down:
	bash tests/k8s/cluster-real.sh down

# The project's images (built when needed, saved as tars) into the real node's containerd.
test-cluster-real-images: images
	bash tests/k8s/cluster-real.sh load $$(bash images/save.sh $(IMAGES) | cut -d' ' -f1)

## Container images -------------------------------------------------------------------

# Starts Debian's Docker engine when no daemon runs, builds the base image by debootstrap
# when absent, then mercado/<name>:<version> for every image (or IMAGES="catalog nats ...").
IMAGES ?=
images: env
	bash images/build.sh $(IMAGES)

# docker save tars of the built images (for a cluster node's containerd or kind).
images-save:
	bash images/save.sh $(IMAGES)
## Charts, manifests and kind ---------------------------------------------------------

# Regenerate what the charts derive from the topology (packages/topology): the library
# chart's topology, the umbrella chart's values and schema, one thin chart per service,
# and manifests/ rendered from them.
charts: env
	$(BIN)/python -m mercado_topology charts
	bash tests/k8s/build.sh helm
	bash scripts/render-manifests.sh

# The chart tests alone: lint, render and NetworkPolicy tests (helm), kind's check of
# kind-config.yaml, the managed PostgreSQL's start script, then validation, install,
# upgrade and uninstall on the test cluster.
charts-test: env system-deps
	$(BIN)/pytest tests/charts tests/integration/test_chart_postgresql.py \
	  tests/cluster/test_chart_install.py $(PYTEST_ARGS)

# Plain manifests of the whole shop (committed; a test fails when they are stale).
manifests:
	bash tests/k8s/build.sh helm
	bash scripts/render-manifests.sh

# The shop on a local kind cluster (needs Docker and internet for kind's node image).
kind-up:
	bash scripts/kind-up.sh

kind-down:
	bash tests/k8s/build.sh kind
	"$$(bash tests/k8s/build.sh --print-bindir)/kind" delete cluster --name mercado

## Development -------------------------------------------------------------------------

# Regenerate the Shop CRD from the operator's model (a unit test fails when it is stale).
crds: env
	$(BIN)/python -m mercado_operator.crd

# Regenerate the committed JSON Schema of every event (a unit test checks it is fresh).
contracts: env
	$(BIN)/mercado-contracts-schema --write

# Regenerate the committed dashboards (observability/dashboards, charts/mercado/files) and
# alert rules from packages/observability; a unit test fails when they are stale.
generate: env
	$(BIN)/python -m mercado_observability generate

# PNG previews of every dashboard from the Prometheus of `mercado up --observability`.
dashboards: env
	$(BIN)/mercado dashboards

# Requests per second of one service with tracing on and off, side by side (printed).
bench-tracing: env system-deps bench-deps
	$(BIN)/python -m tests.bench.instrumentation


# Refresh docs/storefront.png (the README's screenshot) from the browser tests.
screenshot: env system-deps
	MERCADO_UPDATE_SCREENSHOT=1 $(BIN)/pytest tests/browser/test_storefront_browse.py -k browse_categories

# make migration SERVICE=catalog MESSAGE="add product weight" REV=0002
migration: env
	$(BIN)/python -c "from mercado_toolkit.migrations import new_revision; \
	  import importlib; app = importlib.import_module('mercado_$(SERVICE).app'); \
	  new_revision(app.MIGRATIONS, '$(MESSAGE)', '$(REV)')"

clean:
	rm -rf $(VENV) .data test-artifacts bench-results .mypy_cache .ruff_cache .pytest_cache
