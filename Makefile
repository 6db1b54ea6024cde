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

.PHONY: run test env system-deps browser-deps lint format unit integration cluster browser \
        bench k8s-bins test-cluster test-cluster-down test-cluster-real test-cluster-real-down \
        realcluster migration screenshot clean

## Environment -------------------------------------------------------------------------

$(BIN)/.synced: pyproject.toml uv.lock $(wildcard packages/*/pyproject.toml services/*/pyproject.toml operator/pyproject.toml)
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --all-packages --frozen --python $(PYTHON)
	@touch $@

env: $(BIN)/.synced

# Debian packages the tests use: a PostgreSQL server, Chromium for the storefront tests,
# openssl for the test clusters' certificates; for the real-node cluster, libseccomp-dev
# and pkg-config (runc's build), iptables (kube-proxy) and a static busybox (test image).
SYSTEM_PACKAGES := postgresql chromium openssl libseccomp-dev pkg-config iptables busybox-static
system-deps:
	@missing=""; \
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

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: env
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Speed figures, printed (never asserted in tests): local mode start-up and read throughput,
# then checkout latency over 200 sequential orders.
bench: env system-deps
	$(BIN)/python -m tests.bench_local_mode
	$(BIN)/python -m tests.bench_checkout --spawn

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

## Development -------------------------------------------------------------------------

# Refresh docs/storefront.png (the README's screenshot) from the browser tests.
screenshot: env system-deps
	MERCADO_UPDATE_SCREENSHOT=1 $(BIN)/pytest tests/browser/test_storefront_browse.py -k browse_categories

# make migration SERVICE=catalog MESSAGE="add product weight" REV=0002
migration: env
	$(BIN)/python -c "from mercado_toolkit.migrations import new_revision; \
	  import importlib; app = importlib.import_module('mercado_$(SERVICE).app'); \
	  new_revision(app.MIGRATIONS, '$(MESSAGE)', '$(REV)')"

clean:
	rm -rf $(VENV) .data test-artifacts .mypy_cache .ruff_cache .pytest_cache
