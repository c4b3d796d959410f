# One entry point for every task. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
COLL_ROOT := $(CURDIR)/.build/collections
COLL_DIR := $(COLL_ROOT)/ansible_collections/eformidling/integrasjonspunkt
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(COLL_ROOT):$(VENV)/lib/python3.11/site-packages
export PYTHONDONTWRITEBYTECODE := 1

APT_PACKAGES := chrony faketime tinyproxy debootstrap systemd-container nftables iptables \
	gnupg iproute2 util-linux rsync shellcheck openjdk-17-jdk-headless curl ca-certificates mount e2fsprogs

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(BIN)/ansible-playbook: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "ansible-core 2.19 needs Python 3.11 or newer on the controller; $(PYTHON) is $$($(PYTHON) -V)" >&2; exit 1; }
	@# Debian and Ubuntu ship venv/ensurepip separately.
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

.PHONY: venv
venv: $(BIN)/ansible-playbook $(COLL_DIR) ## Create the virtualenv with the pinned dependencies

$(COLL_DIR):
	mkdir -p $(dir $(COLL_DIR))
	ln -sfn $(CURDIR) $(COLL_DIR)

.PHONY: system-deps
system-deps: ## apt-get install every system package the tests need
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  # The packaged daemons must never start here: a chronyd without -x would step this \
	  # machine's clock. A policy-rc.d that refuses service starts covers the install. \
	  policy=/usr/sbin/policy-rc.d; own_policy=; \
	  if [ ! -e $$policy ]; then printf '#!/bin/sh\nexit 101\n' > $$policy; chmod 755 $$policy; own_policy=1; fi; \
	  rc=0; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || rc=$$?; \
	  [ -z "$$own_policy" ] || rm -f $$policy; \
	  [ $$rc -eq 0 ] || exit $$rc; \
	fi
	@# Tests start their own chronyd and tinyproxy; the packaged services stay off.
	-@systemctl disable --now chrony tinyproxy >/dev/null 2>&1 || true

.PHONY: preflight
preflight: venv ## Run playbooks/preflight.yml against the bundled inventory (localhost)
	ansible-playbook playbooks/preflight.yml $(ARGS)

.PHONY: lint
lint: venv ## ruff (lint + format check) and ansible-lint (profile production)
	ruff check .
	ruff format --check .
	ansible-lint --offline
	antsibull-changelog lint

.PHONY: sanity
sanity: venv ## ansible-test sanity, every test, Python 3.11, offline
	tests/helpers/ansible_test_offline.sh sanity --python 3.11

.PHONY: unit
unit: venv ## Unit tests (pure parsers, judgement, catalogue)
	pytest -q tests/unit

.PHONY: integration
integration: venv system-deps ## Integration tests against real daemons, servers and namespaces (root)
	pytest -q tests/integration

.PHONY: molecule
molecule: venv system-deps ## molecule test --all
	molecule test --all

.PHONY: argspec
argspec: venv ## Each role's meta/argument_specs.yml matches its defaults/main.yml
	python tests/helpers/check_argument_specs.py roles/*/

.PHONY: compat
compat: venv ## The preflight playbook under every ansible-core release requires_ansible claims
	tests/compat/run.sh

.PHONY: build
build: venv ## ansible-galaxy collection build, then install the tarball into an empty path
	rm -rf eformidling-integrasjonspunkt-*.tar.gz .build/release
	@# Build from the files git knows about, so local scratch (reports, caches) never ships.
	mkdir -p .build/release
	git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && echo "{}"' \
	  | rsync -a --files-from=- ./ .build/release/
	ansible-galaxy collection build --force --output-path . .build/release
	tests/helpers/check_built_collection.sh eformidling-integrasjonspunkt-*.tar.gz
	rm -rf .build/ee && ansible-builder create -f execution-environment.yml --context .build/ee >/dev/null
	grep -q 'ntplib==0.4.0' .build/ee/_build/requirements.txt
	grep -q 'eformidling-integrasjonspunkt.tar.gz' .build/ee/_build/requirements.yml
	test -f .build/ee/_build/collections/eformidling-integrasjonspunkt-0.1.0.tar.gz
	@echo "ansible-builder create: build context in .build/ee"

.PHONY: bench
bench: venv system-deps ## Benchmarks: preflight against the stock-module baseline, scale, module alone (root)
	python bench/run.py $(ARGS)

.PHONY: test
test: system-deps venv lint argspec sanity unit integration molecule compat build ## Everything CI runs
	@echo "make test: all layers passed"
