# podcast-digest-deploy: the two commands a newcomer needs are `make lab`
# and `make test`; each runs `make setup` first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB := molecule/resources/lab
export PATH := $(CURDIR)/$(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg

.PHONY: help setup lint check-repo test test-quick lab lab-down bench bench-down clean dev dev-down dev-test

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

# Reinstalls only when requirements.txt changed: a no-op run takes well under a second.
$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

setup: $(STAMP)  ## Create .venv with the pinned toolchain (idempotent)

lint: setup  ## yamllint and ansible-lint (production profile), zero findings
	$(BIN)/yamllint --strict .
	$(BIN)/ansible-lint

check-repo: setup  ## Repository checks: precedence, collections, vault hygiene
	$(BIN)/pytest -q -p no:cacheprovider molecule/resources/tests

test: setup  ## Lint, repository checks, then every Molecule scenario; prints "N passed, N failed"
	$(LAB)/run-tests.sh

# The daily loop: lint, repository checks and one scenario (default: stack).
SCENARIO ?= stack
test-quick: lint check-repo  ## Lint, repository checks and one scenario: make test-quick SCENARIO=stack
	ANSIBLE_CONFIG=$(CURDIR)/ansible.cfg PY_COLORS=0 $(BIN)/molecule test -s $(SCENARIO)

# The app's development and test environments (README, "Developing the app"):
# playbooks/dev.yml, dev-down.yml and test.yml on inventories/dev. APP=<path>
# names the app's checkout (default: ../podcast-digest-agent); DEV_ARGS passes
# more options (-K when sudo asks for a password, --vault-id dev@prompt).
DEV_PLAYBOOK = $(BIN)/ansible-playbook -i inventories/dev $(if $(APP),-e devenv_source_dir=$(abspath $(APP))) $(DEV_ARGS)
dev: setup  ## The app's development stack from its checkout (APP=<path>), hot reload on 127.0.0.1:3000/8000
	$(DEV_PLAYBOOK) playbooks/dev.yml

dev-down: setup  ## Remove the development stack (the images stay)
	$(DEV_PLAYBOOK) playbooks/dev-down.yml

dev-test: setup  ## The app's own tests in containers; JUnit XML in /opt/podcast-digest-dev-test/results
	$(DEV_PLAYBOOK) playbooks/test.yml

lab: setup  ## Bring up the lab host over SSH and deploy it with deploy.yml
	$(LAB)/lab-host.sh up

bench: setup  ## Time deploys on lab hosts (no-op P1, upgrade P2, 5 hosts P3, check mode), as ratios in one run
	molecule/resources/bench/bench.py

bench-down:  ## Remove the bench's lab hosts (pdd-bench-*)
	molecule/resources/bench/bench.py down

lab-down:  ## Remove everything the lab made
	$(LAB)/lab-host.sh down

clean: lab-down  ## lab-down, then remove .venv and caches
	rm -rf $(VENV) .cache
