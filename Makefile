# Everyday commands. The README lists them; .ci/run calls `make test`.
SHELL := /bin/bash
# Everything Python lives in .venv, which the first target that needs it creates: neither
# `make demo` nor `make test` installs into the system Python.
VENV ?= $(CURDIR)/.venv
PYTHON := $(VENV)/bin/python
SYSTEM_PYTHON ?= python3
export PATH := $(VENV)/bin:$(PATH)
# boto3 and the aws CLI for the ECS API's tests, apart: they pin python-dateutil<3, which
# the kubernetes client in .venv cannot use.
CLIENTS_VENV ?= $(CURDIR)/.venv-clients
BIN_DIR = $(shell hack/install-tools.sh)
export KUBECONFIG ?= $(CURDIR)/.cluster/kubeconfig

.PHONY: venv deps clients install tools cluster-up cluster-down crds lint test test-unit test-e2e demo dashboard-png bench

$(PYTHON):
	$(SYSTEM_PYTHON) -m venv $(VENV)

# Reinstalled when pyproject.toml changes (a new dependency), not on every run.
$(VENV)/.installed: pyproject.toml | $(PYTHON)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

venv: $(PYTHON)   ## the virtual environment in .venv

$(CLIENTS_VENV)/.installed: hack/clients-requirements.txt
	$(SYSTEM_PYTHON) -m venv $(CLIENTS_VENV)
	$(CLIENTS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $<
	@touch $@

clients: $(CLIENTS_VENV)/.installed  ## boto3 and the aws CLI in .venv-clients (ECS API tests)

install: $(VENV)/.installed  ## Python package with its dev dependencies, into .venv

tools:            ## build the pinned control-plane binaries (cached)
	@hack/install-tools.sh

cluster-up:       ## start the local cluster; prints the KUBECONFIG to export
	@hack/cluster/up.sh

cluster-down:     ## stop the local cluster and delete its data
	@hack/cluster/down.sh

crds: deps        ## regenerate crds/ and the chart's copy from operator/ecs_operator/crds
	ecs-operator crds --output crds
	ecs-operator crds --output charts/ecs-operator/crds

deps: $(VENV)/.installed  # the Python package and dev tools in .venv

lint: deps        ## import contract: models/ and translate/ stay pure
	lint-imports

test: lint clients ## unit and e2e tests (starts the local cluster if none is running)
	PATH="$(BIN_DIR):$$PATH" $(PYTHON) -m pytest tests

test-unit: deps   ## pure-function tests and chart checks, no cluster
	PATH="$(BIN_DIR):$$PATH" $(PYTHON) -m pytest tests/unit

test-e2e: deps clients ## e2e tests against the local cluster
	PATH="$(BIN_DIR):$$PATH" $(PYTHON) -m pytest tests/e2e

demo: deps        ## the operator on the local cluster with the sample service
	@hack/demo.sh

dashboard-png: deps ## docs/dashboard.png from real Prometheus queries (needs prometheus, matplotlib)
	PATH="$(BIN_DIR):$$PATH" $(PYTHON) hack/render_dashboard.py

SERVICES ?= 1000
ROLLOUT_SERVICES ?= 100
bench: deps clients ## scale, latency, rollout, restart and ECS API benchmarks (SERVICES=1000 ROLLOUT_SERVICES=100); see docs/performance.md
	-PATH="$(BIN_DIR):$$PATH" $(PYTHON) bench/scale.py --services $(SERVICES)
	-PATH="$(BIN_DIR):$$PATH" $(PYTHON) bench/latency.py --background $(SERVICES)
	-PATH="$(BIN_DIR):$$PATH" $(PYTHON) bench/rollout.py --services $(ROLLOUT_SERVICES)
	-PATH="$(BIN_DIR):$$PATH" $(PYTHON) bench/restart.py --services $(SERVICES)
	-PATH="$(BIN_DIR):$$PATH" $(PYTHON) bench/api.py --services $(SERVICES)
