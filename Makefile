# One entry point. Every target installs what it needs by itself.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := $(CURDIR)/.venv
BUILD := $(CURDIR)/.build
STAMP := $(VENV)/.installed
# The repository root seen as an installed collection, for ansible and molecule.
COLLECTIONS := $(BUILD)/collections
LINK := $(COLLECTIONS)/ansible_collections/onprem/ecs_anywhere

export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := true
export PYTHONDONTWRITEBYTECODE := 1
PYTEST := $(VENV)/bin/python -m pytest

.PHONY: help venv host-packages collection test demo lint yamllint ruff ansible-lint \
        sanity units integration molecule build clean docs ee changelog docs-lint bench

help:
	@echo "make demo         the whole flow against the local AWS emulator"
	@echo "make test         every check CI runs: lint, sanity, unit, integration, molecule"
	@echo "make lint | sanity | units | integration | molecule | build | clean"
	@echo "make bench        benchmark (not part of make test): writes benchmarks/RESULTS.md, fails on a missed budget"
	@echo "make docs         regenerate docs/variables.md and the AWX surveys from the roles' argument_specs"
	@echo "make changelog    CHANGELOG.rst from changelogs/fragments (antsibull-changelog)"
	@echo "make ee           the execution environment's build context for AWX / Automation Platform"

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

venv: $(STAMP)

host-packages:
	@tests/world/host-packages.sh

$(LINK):
	mkdir -p $(dir $(LINK))
	ln -sfn $(CURDIR) $(LINK)

collection: venv $(LINK)

test: lint sanity units integration molecule
	@echo "make test: all checks passed"

lint: yamllint ruff ansible-lint docs-lint

yamllint: venv
	yamllint --strict .

ruff: venv
	ruff check .
	ruff format --check .

ansible-lint: collection
	ansible-lint --offline --strict

sanity: venv
	tests/sanity/run.sh

units: collection
	$(PYTEST) tests/unit tests/agents

integration: collection host-packages
	$(PYTEST) -n 2 tests/integration tests/world/tests

# make molecule SCENARIOS="smoke default" runs only those.
molecule: collection host-packages
	tests/world/run-molecule.sh $(SCENARIOS)

demo: collection host-packages
	tests/world/demo.sh

# Not part of make test. make bench BENCH_ARGS="--fleet-sizes 100 --real-sizes 1" measures less.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): $(STAMP) benchmarks/requirements.txt
	$(VENV)/bin/pip install --quiet -r benchmarks/requirements.txt -c constraints.txt
	touch $@

bench: collection host-packages $(BENCH_STAMP)
	$(VENV)/bin/python -m benchmarks $(BENCH_ARGS)

build: venv
	mkdir -p $(BUILD)
	ansible-galaxy collection build --force --output-path $(BUILD) .

# docs/variables.md and the AWX surveys (docs/awx/) from the roles' argument_specs.
docs: venv
	$(VENV)/bin/python tools/role_docs.py

# The execution environment's build context (.build/ee/context); then
# `ansible-builder build --context .build/ee/context -t TAG` where a registry is reachable.
ee: build
	mkdir -p $(BUILD)/ee
	cp "$$(ls -t $(BUILD)/onprem-ecs_anywhere-*.tar.gz | head -1)" $(BUILD)/ee/onprem-ecs_anywhere.tar.gz
	ansible-builder create -f execution-environment.yml -c $(BUILD)/ee/context

# CHANGELOG.rst from changelogs/fragments for the version in galaxy.yml (re-runnable until
# that version is tagged: new fragments are added, edited ones refreshed).
changelog: venv
	antsibull-changelog lint
	antsibull-changelog release --version "$$($(VENV)/bin/python -c 'import yaml; print(yaml.safe_load(open("galaxy.yml"))["version"])')"
	antsibull-changelog generate --refresh-fragments

# Changelog fragments, generated docs current, plugin and role docs as the docsite renders them.
# antsibull-docs copies the dependencies it finds; copies outside this git tree, since it copies
# only tracked files from inside one (and .venv is not tracked).
docs-lint: venv
	antsibull-changelog lint
	$(VENV)/bin/python tools/role_docs.py --check
	deps="$$(mktemp -d)"; trap 'rm -rf "$$deps"' EXIT; \
	site="$$($(VENV)/bin/python -c 'import ansible_collections; print(list(ansible_collections.__path__)[0])')"; \
	for c in amazon/aws community/aws; do mkdir -p "$$deps/ansible_collections/$$c"; cp -r "$$site/$$c/." "$$deps/ansible_collections/$$c"; done; \
	ANSIBLE_COLLECTIONS_PATH="$$deps" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
	  antsibull-docs lint-collection-docs --plugin-docs --skip-rstcheck .

clean:
	rm -rf $(BUILD) .pytest_cache .ruff_cache
