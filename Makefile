# One entry point for every task. `make help` lists them.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# `make preflight`'s light .venv-run: whatever python3 the machine has (3.11 gets ansible-core 2.19, 3.12+ 2.21,
# by the markers in constraints.txt).
PYTHON ?= python3
# The development .venv runs ansible-core 2.21, which needs Python 3.12 or newer: the newest 3.13 or 3.12 found,
# as a real interpreter path (pyenv shims can point at nothing). Override: make DEV_PYTHON=/path/to/python3.12.
DEV_PYTHON ?= $(firstword $(wildcard /usr/bin/python3.13 $(HOME)/.pyenv/versions/3.13*/bin/python3.13 \
	/usr/bin/python3.12 $(HOME)/.pyenv/versions/3.12*/bin/python3.12))
# None found is an error of every target that needs .venv (not of `make preflight`, which runs on 3.11).
DEV_PY_VERSION := $(if $(DEV_PYTHON),$(shell $(DEV_PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])'))
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
# `make preflight` gets a light virtualenv of its own: ansible-core, ntplib, nothing for development.
RUN_VENV := $(CURDIR)/.venv-run
COLL_ROOT := $(CURDIR)/.build/collections
COLL_DIR := $(COLL_ROOT)/ansible_collections/eformidling/integrasjonspunkt
# The version galaxy.yml says (`make release` writes it), and the tarball `make build` makes of it.
COLL_VERSION = $(shell sed -n 's/^version: *//p' galaxy.yml)
TARBALL = eformidling-integrasjonspunkt-$(COLL_VERSION).tar.gz
# An operator's controller with ansible-core alone (requirements.txt): `make build` installs the tarball there.
CORE_ONLY_VENV := $(CURDIR)/.build/core-only-venv
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# The community collections of the `ansible` package (test hosts' connections, the declared dependencies).
VENV_SITE := $(VENV)/lib/python$(DEV_PY_VERSION)/site-packages
export ANSIBLE_COLLECTIONS_PATH := $(COLL_ROOT):$(VENV_SITE)
export PYTHONDONTWRITEBYTECODE := 1
# Every process the tests start inherits this; tests/helpers/check_leftovers.sh finds ours by it.
export EFORMIDLING_TEST_CHECKOUT := $(CURDIR)

# `make mutation` mutates these files (the code that judges): one list, update it when files move or split.
MUTATE_FILES ?= \
	plugins/plugin_utils/checks.py \
	plugins/plugin_utils/check_base.py \
	plugins/plugin_utils/resource_checks.py \
	plugins/plugin_utils/runtime_checks.py \
	plugins/plugin_utils/config_checks.py \
	plugins/plugin_utils/inbound_checks.py \
	plugins/plugin_utils/connectivity_checks.py \
	plugins/plugin_utils/time_checks.py \
	plugins/plugin_utils/certificate_checks.py \
	plugins/plugin_utils/identity_checks.py \
	plugins/plugin_utils/plan.py \
	plugins/plugin_utils/settings.py \
	plugins/plugin_utils/settings_rules.py \
	plugins/module_utils/gather.py \
	plugins/module_utils/timesync.py
MUTATION_DIR := $(CURDIR)/.build/mutation
MUTATION_JOBS ?= 2
# Empty: every mutant. A number N: a seeded random sample of N mutants of each file (an estimate, when a full
# run does not fit the time at hand; README says which files were sampled).
MUTATION_SAMPLE ?=
MUTATION_SEED ?= 1
# Or the mutants to run, by name or glob (`mutmut run NAME...`), e.g. the survivors of an earlier run.
MUTANTS ?=
# The tests mutmut may choose from (it runs, per mutant, those that call the mutated function).
MUTATION_TESTS ?= tests/unit
# Not run on mutants (neither tests judgement): the collector under other Pythons, which cannot import mutmut's
# trampolines; the docs link scan, which lists files with git (the scratch copy is no checkout); the packaging
# test, which reads galaxy.yml (the copy has none, see below).
MUTATION_SKIP_TESTS := tests/unit/plugins/module_utils/test_timesync_pythons.py \
	tests/unit/plugins/module_utils/test_redact_pythons.py \
	tests/unit/plugins/plugin_utils/test_docs_links.py \
	tests/unit/test_packaging.py

APT_PACKAGES := chrony faketime tinyproxy debootstrap systemd-container nftables iptables \
	gnupg iproute2 util-linux rsync shellcheck openjdk-17-jdk-headless curl ca-certificates mount e2fsprogs \
	chromium docker.io docker-registry python3-requests prometheus podman
# What the tests leave outside the tree (`make clean` removes these and nothing else there):
# the nspawn base rootfs cache and per-host roots, and molecule's working directories of this checkout.
NSPAWN_CACHE ?= /var/cache/eformidling-tests
NSPAWN_STATE ?= /var/lib/eformidling-tests

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

# $(call check_python,INTERPRETER,MIN_VERSION,WHAT): fail loudly unless INTERPRETER exists and is new enough.
define check_python
	@test -n "$(1)" || { echo "$(3) needs Python $(2) or newer and none was found (/usr/bin/python3.1x," \
	  "~/.pyenv/versions/3.1x.*): install one, or name it: make DEV_PYTHON=/path/to/python3.13" >&2; exit 1; }
	@$(1) -c 'import sys; sys.exit(sys.version_info[:2] < tuple(map(int, "$(2)".split("."))))' || \
	  { echo "$(3) needs Python $(2) or newer on the controller; $(1) is $$($(1) -V)" >&2; exit 1; }
	@# Debian and Ubuntu ship venv/ensurepip separately.
	@$(1) -c 'import ensurepip, venv' 2>/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; }
endef

$(BIN)/ansible-playbook: requirements.txt constraints.txt requirements-dev.txt
	$(call check_python,$(DEV_PYTHON),3.12,ansible-core 2.21 (the development .venv))
	@# A .venv of another Python (an older checkout's 3.11) is rebuilt, not patched.
	@if [ -e $(VENV) ] && [ "$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" != \
	  "$(DEV_PY_VERSION)" ]; then echo "$(VENV) is not Python $(DEV_PY_VERSION): rebuilding it"; rm -rf $(VENV); fi
	$(DEV_PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

$(CORE_ONLY_VENV)/bin/ansible-playbook: requirements.txt constraints.txt
	$(call check_python,$(DEV_PYTHON),3.12,ansible-core 2.21 (the ansible-core-only check))
	rm -rf $(CORE_ONLY_VENV)
	$(DEV_PYTHON) -m venv $(CORE_ONLY_VENV)
	$(CORE_ONLY_VENV)/bin/pip install -q -r requirements.txt -c constraints.txt
	touch $@

$(RUN_VENV)/bin/ansible-playbook: requirements.txt constraints.txt
	$(call check_python,$(PYTHON),3.11,ansible-core 2.19 (.venv-run))
	$(PYTHON) -m venv $(RUN_VENV)
	$(RUN_VENV)/bin/pip install -q -r requirements.txt -c constraints.txt
	touch $@

.PHONY: venv
venv: $(BIN)/ansible-playbook $(COLL_DIR) ## Create the development virtualenv (.venv) with the pinned tools

.PHONY: venv-run
venv-run: $(RUN_VENV)/bin/ansible-playbook $(COLL_DIR) ## Create the light virtualenv of `make preflight` (.venv-run)

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
	@# Nothing here runs systemctl: the policy-rc.d above keeps packaged daemons from starting during the
	@# install, the tests start their own chronyd (-x) and tinyproxy and stop them, and a chrony or tinyproxy
	@# this machine already runs is left as it is. What stays installed: README, "What make test changes".

.PHONY: preflight
preflight: venv-run ## Run playbooks/preflight.yml against the bundled inventory (localhost)
	@# Exit status: 0 all hosts passed; 2 a check failed on some host (ansible-playbook's "hosts
	@# failed"), 4 a host was unreachable; anything else is an error of the run itself.
	@rc=0; ANSIBLE_COLLECTIONS_PATH=$(COLL_ROOT) $(RUN_VENV)/bin/ansible-playbook playbooks/preflight.yml $(ARGS) || rc=$$?; \
	case $$rc in \
	  0) ;; \
	  2) echo "make preflight: checks FAILED on at least one host (exit 2); see the summary above and the reports" >&2 ;; \
	  4) echo "make preflight: at least one host was UNREACHABLE (exit 4)" >&2 ;; \
	  *) echo "make preflight: ansible-playbook itself failed (exit $$rc)" >&2 ;; \
	esac; exit $$rc

.PHONY: first-screen
first-screen: venv ## What an operator sees: the installed role in a playbook of their own, stock config (docs/examples/first-screen.txt)
	@# The role fails this machine's checks (exit 2); the output is what is wanted.
	tests/helpers/stock_first_screen.sh > docs/examples/first-screen.txt 2>&1 || true
	@echo "wrote docs/examples/first-screen.txt"

.PHONY: lint
lint: venv ## ruff (lint + format check) and ansible-lint (profile production)
	ruff check .
	ruff format --check .
	ansible-lint --offline
	antsibull-changelog lint

.PHONY: sanity
sanity: venv ## ansible-test sanity, every test, under ansible-core 2.19 (Python 3.11), 2.20 (3.12) and 2.21 (3.13)
	@# Its first run downloads wheels from PyPI. One line: make sanity SANITY_LINES=2.21
	tests/helpers/sanity_lines.sh

.PHONY: unit
unit: venv ## Unit tests (pure parsers, judgement, catalogue), in a network namespace with only loopback (root)
	@# Nothing but loopback exists in there: a test that tries to reach out fails instead of using the network.
	@unshare --net true 2>/dev/null || { echo "make unit: cannot create a network namespace (unshare --net" \
	  "needs root or CAP_SYS_ADMIN); the unit tests run only inside one, so that none can reach the network" >&2; exit 1; }
	unshare --net sh -c 'ip link set lo up && exec pytest -q tests/unit bench/test_run.py'

.PHONY: mutation
mutation: venv ## Mutation testing (mutmut) of MUTATE_FILES against the unit tests; slow, not part of `make test`
	@# mutmut names a mutant after its file's path, which must be the import path the tests use: the collection
	@# is copied to src/ansible_collections/eformidling/integrasjonspunkt of a scratch directory for it.
	rm -rf $(MUTATION_DIR)/mutants
	mkdir -p $(MUTATION_DIR)/src/ansible_collections/eformidling/integrasjonspunkt
	git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && echo "{}"' \
	  > $(MUTATION_DIR)/files.txt
	rsync -a --delete --files-from=$(MUTATION_DIR)/files.txt ./ $(MUTATION_DIR)/src/ansible_collections/eformidling/integrasjonspunkt/
	rsync -a --files-from=$(MUTATION_DIR)/files.txt ./ $(MUTATION_DIR)/
	{ echo '[mutmut]'; echo 'source_paths = src'; echo 'only_mutate ='; \
	  for f in $(MUTATE_FILES); do echo "    src/ansible_collections/eformidling/integrasjonspunkt/$$f"; done; \
	  echo 'also_copy ='; for d in $$(ls $(MUTATION_DIR)); do case $$d in src|mutants|tests|files.txt|names.txt|setup.cfg|run.log|results.txt|galaxy.yml) ;; \
	    *) echo "    $$d";; esac; done; \
	  echo 'pytest_add_cli_args_test_selection ='; for t in $(MUTATION_TESTS); do echo "    $$t"; done; \
	  echo 'pytest_add_cli_args ='; echo '    -p'; echo '    no:cacheprovider'; \
	  for t in $(MUTATION_SKIP_TESTS); do echo "    --ignore=$$t"; done; \
	} > $(MUTATION_DIR)/setup.cfg
	@# pyproject.toml's [tool.mutmut] would win over setup.cfg: the copy has none. No galaxy.yml beside the tests:
	@# pytest-ansible would link the unmutated copy in as the collection and the tests would import that one.
	! grep -q 'tool.mutmut' $(MUTATION_DIR)/pyproject.toml
	cd $(MUTATION_DIR) && echo $(MUTANTS) | tr ' ' '\n' > names.txt && if [ -n "$(MUTATION_SAMPLE)" ]; then \
	  python $(CURDIR)/tests/helpers/mutation_sample.py $(MUTATION_SAMPLE) $(MUTATION_SEED) \
	    $(addprefix src/ansible_collections/eformidling/integrasjonspunkt/,$(MUTATE_FILES)) > names.txt; fi
	@# In the unit tests' loopback-only namespace, at the lowest priority, two workers.
	cd $(MUTATION_DIR) && EFORMIDLING_TEST_COLLECTIONS=$(MUTATION_DIR)/mutants/src \
	  ANSIBLE_COLLECTIONS_PATH=$(MUTATION_DIR)/mutants/src:$(VENV_SITE) \
	  unshare --net sh -c 'ip link set lo up && exec nice -n 19 mutmut run --max-children $(MUTATION_JOBS) $$(cat names.txt)' \
	  > $(MUTATION_DIR)/run.log 2>&1 || { tail -40 $(MUTATION_DIR)/run.log; exit 1; }
	cd $(MUTATION_DIR) && mutmut results --all true > results.txt
	python tests/helpers/mutation_score.py $(MUTATION_DIR)/results.txt

.PHONY: integration
integration: venv system-deps ## Integration tests against real daemons, servers and namespaces (root)
	pytest -q tests/integration

.PHONY: molecule
# The scenarios CI runs, each `molecule test -s NAME` (extensions/molecule/); one of them: MOLECULE_SCENARIOS=NAME.
MOLECULE_SCENARIOS ?= backup default docker install multihost podman prepare upgrade
molecule: venv system-deps ## molecule test of each scenario in MOLECULE_SCENARIOS (extensions/molecule/)
	for s in $(MOLECULE_SCENARIOS); do echo "== molecule test -s $$s"; molecule test -s $$s || exit 1; done
	tests/helpers/check_leftovers.sh

.PHONY: argspec
argspec: venv ## Each role's meta/argument_specs.yml matches its defaults/main.yml
	python tests/helpers/check_argument_specs.py roles/*/

.PHONY: compat
compat: venv ## The preflight playbook under every ansible-core release requires_ansible claims
	tests/compat/run.sh

.PHONY: release
release: venv ## Cut release VERSION=X.Y.Z: changelog, galaxy.yml, CHANGELOG.md, commit + tag, tarball (docs/releasing.md)
	tests/helpers/release.sh "$(VERSION)"
	$(MAKE) --no-print-directory tarball
	@echo "make release: $(TARBALL) built; next: make build, then push and publish (docs/releasing.md)"

.PHONY: tarball
tarball: venv ## Build the collection tarball only (make build also checks it)
	rm -rf eformidling-integrasjonspunkt-*.tar.gz .build/release
	@# Build from the files git knows about, so local scratch (reports, caches) never ships.
	mkdir -p .build/release
	git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} sh -c 'test -e "{}" && echo "{}"' \
	  | rsync -a --files-from=- ./ .build/release/
	ansible-galaxy collection build --force --output-path . .build/release
	tests/helpers/check_built_collection.sh $(TARBALL)

.PHONY: build
build: tarball $(CORE_ONLY_VENV)/bin/ansible-playbook ## Build the tarball; install it (ansible-core alone + its dependencies), galaxy-importer, the EE
	@# ansible-core alone, the tarball and exactly its declared dependencies (from the `ansible` package, offline).
	python tests/helpers/check_core_only_install.py $(TARBALL) $(CORE_ONLY_VENV)/bin $(VENV_SITE)/ansible_collections
	@# galaxy-importer as Galaxy/Automation Hub run it, offline (config: tests/helpers/galaxy-importer.cfg).
	rm -rf .build/galaxy-importer && mkdir -p .build/galaxy-importer/tmp
	cd .build/galaxy-importer && GALAXY_IMPORTER_CONFIG=$(CURDIR)/tests/helpers/galaxy-importer.cfg \
	  GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP=$(CURDIR)/.build/galaxy-importer/tmp \
	  GALAXY_IMPORTER_TMP_ROOT_DIR=$(CURDIR)/.build/galaxy-importer \
	  python -m galaxy_importer.main $(CURDIR)/$(TARBALL) \
	  > import.log 2>&1 || { cat import.log; exit 1; }
	tests/helpers/check_galaxy_importer.py .build/galaxy-importer/import.log .build/galaxy-importer/importer_result.json .
	@# The execution environment: ansible-builder reads the collection's own meta/execution-environment.yml.
	rm -rf .build/ee && ansible-builder create -f execution-environment.yml --context .build/ee --output-filename Containerfile >/dev/null
	grep -q 'eformidling-integrasjonspunkt.tar.gz' .build/ee/_build/requirements.yml
	@# The image pulls exactly galaxy.yml's dependencies, with its ranges.
	python -c 'import sys, yaml; deps = yaml.safe_load(open("galaxy.yml"))["dependencies"]; \
	  got = {c["name"]: c.get("version") for c in yaml.safe_load(open(".build/ee/_build/requirements.yml"))["collections"]}; \
	  got.pop("/tmp/collections/eformidling-integrasjonspunkt.tar.gz"); \
	  sys.exit(0 if got == deps else "EE requirements %r != galaxy.yml dependencies %r" % (got, deps))'
	test -f .build/ee/_build/collections/$(TARBALL)
	grep -q '^ARG EE_BASE_IMAGE=.*python-312' .build/ee/Containerfile
	grep -q 'ansible-core==2.21' .build/ee/Containerfile
	@# What the image build would find: ansible-builder's own introspection of the installed tarball.
	rm -rf .build/ee-introspect && mkdir -p .build/ee-introspect && printf '[defaults]\n' > .build/ee-introspect/none.cfg
	ANSIBLE_CONFIG=.build/ee-introspect/none.cfg ANSIBLE_COLLECTIONS_PATH=.build/ee-introspect \
	  ansible-galaxy collection install --offline --no-deps -p .build/ee-introspect $(TARBALL) >/dev/null
	python .build/ee/_build/scripts/introspect.py introspect .build/ee-introspect \
	  --write-pip .build/ee-introspect/requirements.txt --write-bindep .build/ee-introspect/bindep.txt >/dev/null
	grep -qx 'ntplib>=0.4.0  # from collection eformidling.integrasjonspunkt' .build/ee-introspect/requirements.txt
	grep -qix 'pyjwt>=2.6.0  # from collection eformidling.integrasjonspunkt' .build/ee-introspect/requirements.txt
	grep -qx 'chrony \[platform:rpm\]  # from collection eformidling.integrasjonspunkt' .build/ee-introspect/bindep.txt
	@echo "ansible-builder create: build context in .build/ee"

.PHONY: docs
docs: venv ## antsibull-docs lint, then the HTML site (antsibull-docs + Sphinx) into .build/docs/build/html
	antsibull-docs lint-collection-docs --plugin-docs $(COLL_DIR)
	tests/helpers/build_docs.sh $(CURDIR)/.build/docs

.PHONY: docs-pages
docs-pages: ## Refresh data/docs_pages.txt from a clone of felleslosninger/docs: make docs-pages DOCS_GIT=path [DOCS_REF=gh-pages]
	@test -n "$(DOCS_GIT)" || { echo "set DOCS_GIT to a clone (or bare mirror) of felleslosninger/docs" >&2; exit 2; }
	tests/helpers/docs_pages.sh "$(DOCS_GIT)" "$(or $(DOCS_REF),gh-pages)"

.PHONY: bench
bench: venv system-deps ## Benchmarks: preflight against the stock-module baseline, scale, module alone (root)
	python bench/run.py $(ARGS)

.PHONY: test
# The layers that start no daemon and hold no fixed address (sanity, compat, build, docs) run beside the ones that do
# (integration, molecule), which wait on health checks and booted hosts more than they compute: the
# two CPUs stay busy and CI stays within its time. Their output goes to .build/test-<layer>.log and is printed
# when the layer is done (in full when it failed). Their standard input is /dev/null: where CI starts us with it
# closed, a pipe takes fd 0 and concurrent ansible runs inherit each other's pipe ends ("Could not detach from stdio").
PARALLEL_LAYERS := sanity compat build docs
test: system-deps venv lint argspec unit ## Everything CI runs
	mkdir -p .build && rm -f .build/test-side-failed
	( for layer in $(PARALLEL_LAYERS); do \
	    start=$$(date +%s); \
	    if $(MAKE) --no-print-directory $$layer < /dev/null > .build/test-$$layer.log 2>&1; then \
	      echo "make test: $$layer passed in $$(( $$(date +%s) - start )) s"; \
	    else cat .build/test-$$layer.log; echo "make test: $$layer FAILED"; echo $$layer > .build/test-side-failed; exit 1; fi; \
	  done ) & side=$$!; \
	status=0; $(MAKE) --no-print-directory integration molecule < /dev/null || status=$$?; \
	wait $$side || status=1; \
	if [ -f .build/test-side-failed ]; then \
	  failed=$$(cat .build/test-side-failed); \
	  echo "make test: $$failed FAILED (printed in full above; its last lines again, as the end of CI's output is what is kept):"; \
	  tail -n 60 .build/test-$$failed.log; fi; \
	exit $$status
	tests/helpers/check_leftovers.sh
	@echo "make test: all layers passed"

.PHONY: clean
clean: ## Remove build output and what the tests leave outside the tree (rootfs cache, molecule dirs)
	@# A booted test host still uses its root: refuse rather than pull it away.
	@for f in $(NSPAWN_STATE)/machines/*.nspawn.pid; do \
	  if [ -f "$$f" ] && kill -0 "$$(cat "$$f")" 2>/dev/null; then \
	    echo "make clean: nspawn host $$(basename "$$f" .nspawn.pid) is running ($$f); destroy it first" >&2; exit 1; fi; \
	done
	rm -rf .build eformidling-integrasjonspunkt-*.tar.gz tests/output
	rm -rf $(NSPAWN_CACHE) $(NSPAWN_STATE)
	@# Stand-ins for get-pip that older versions of tests/helpers/ansible_test_offline.sh put into the
	@# user's own ansible-test cache (only those: they carry the wrapper's name).
	@grep -lsF 'written by ansible_test_offline.sh' ~/.ansible/test/cache/get_pip_*.py | xargs -r rm -fv || true
	@# molecule's working directories: ~/.ansible/tmp/molecule.<checksum of this checkout's
	@# directory name>.<scenario> (molecule.scenario.Scenario.ephemeral_directory).
	@ck=$$(python3 -c 'import base64, hashlib, sys; print(base64.urlsafe_b64encode(hashlib.sha256(sys.argv[1].encode()).digest()).decode()[:4])' '$(notdir $(CURDIR))'); \
	for s in $(notdir $(wildcard extensions/molecule/*)); do echo "rm -rf ~/.ansible/tmp/molecule.$$ck.$$s"; rm -rf ~/.ansible/tmp/molecule.$$ck.$$s; done

.PHONY: distclean
distclean: clean ## clean, and remove the virtualenvs (.venv, .venv-run)
	rm -rf $(VENV) $(RUN_VENV)
