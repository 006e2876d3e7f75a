# Every target sets up what it needs on a fresh machine. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Every Rasa command runs patched, with the settings' defaults (ops/settings.py) in its environment.
RASA := $(BIN)/python -m plugins
MODEL := models/current.tar.gz
# The folders too: removing a data file changes only its folder's time.
TRAINING_INPUTS := config.yml domain.yml $(shell find data components -name __pycache__ -prune -o -type d -print -o -type f \( -name '*.y*ml' -o -name '*.py' \) -print 2>/dev/null)

# Targets of the website, channels, review tool, production stack and benchmarks: mk/<area>.mk.
# Each may add to RUN_PREREQUISITES (what `make run` needs) and TEST_PREREQUISITES (what `make test` needs).
RUN_PREREQUISITES :=
TEST_PREREQUISITES :=
include $(wildcard mk/*.mk)

.PHONY: help install browser run train validate test unit e2e stories eval crossval lint shell lock clean

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "} {printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock requirements-rasa.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==24.3.1
	$(BIN)/pip install --quiet --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --ignore-requires-python -r requirements-rasa.txt
	$(BIN)/pip check | grep -v "matplotlib" | grep -v "^No broken" && exit 1 || true
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --editable .
	$(BIN)/python -m scripts.build_spacy .spacy/en
	@touch $@

install: $(VENV)/.installed ## Create .venv and install the pinned dependencies and the spaCy pipeline

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

/usr/bin/chromium:
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

browser: node_modules/.installed /usr/bin/chromium ## Install the browser-test tools: Debian's Chromium, playwright-core, axe-core

$(MODEL): $(VENV)/.installed $(TRAINING_INPUTS)
	$(RASA) train --fixed-model-name current --out models --quiet
	@touch $@

train: $(MODEL) ## Train the model when it is missing or older than its inputs

run: $(MODEL) $(RUN_PREREQUISITES) ## Run the bot: action server :5055, Rasa :5005 (REST, socket.io), website :8080 (VERBOSE=1: all warnings)
	$(BIN)/python -m scripts.serve

validate: install ## Check the training data and domain
	$(RASA) data validate --fail-on-warnings

lint: install ## Ruff: the linter, and the formatter's check (`$(BIN)/ruff format .` formats)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: install ## Unit tests (no servers)
	$(BIN)/pytest -q tests/unit

e2e: $(MODEL) ## End-to-end tests against the real servers over HTTP
	$(BIN)/pytest -q tests/e2e

stories: $(MODEL) ## Test stories with rasa test
	$(RASA) test core --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out results/stories

test: lint validate browser $(MODEL) $(TEST_PREREQUISITES) ## Everything: lint, validate, train, unit and end-to-end tests, test stories
	$(BIN)/pytest tests
	$(MAKE) --no-print-directory stories

eval: $(MODEL) ## Held-out intent report and danger evaluation (over REST); fails below the bars
	$(BIN)/python -m scripts.evaluate

crossval: install ## 5-fold cross-validation of the intent classifier (not part of make test)
	$(BIN)/python -m scripts.crossval

shell: $(MODEL) ## Chat with the bot in the terminal
	$(RASA) shell --model $(MODEL) --endpoints endpoints.yml

lock: ## Re-resolve requirements.lock from requirements.in (needs network)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -r requirements.in
	{ sed -n '1,3p' requirements.lock; .lock-venv/bin/pip freeze --all --exclude rasa --exclude rasa-sdk --exclude pip; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf .lock-venv

clean: ## Remove trained models, results and caches (keeps .venv and conversations)
	rm -rf models results .pytest_cache .ruff_cache

