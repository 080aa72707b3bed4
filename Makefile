# Flowbuilder developer commands. `make run` and `make test` work on a fresh machine
# with only Python 3.11, pip and Node 20: they create .venv and node_modules first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test lint format frontend messages migrate clean

help:  ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

static/build/.built: node_modules/.package-lock.json frontend/build.mjs frontend/icons.json $(shell find frontend -type f 2>/dev/null)
	npm run --silent build
	touch $@

frontend: static/build/.built  ## Build the front-end bundle and icon sprite into static/build/

# Compiled catalogues (.mo) are built, not committed: Babel compiles them in pure Python.
locale/.compiled: $(VENV)/.runtime $(wildcard locale/*/LC_MESSAGES/*.po)
	$(PY) manage.py messages --compile
	touch $@

messages: $(VENV)/.runtime  ## Extract translatable strings into locale/*/LC_MESSAGES/*.po and compile them
	$(PY) manage.py messages

run: $(VENV)/.runtime frontend locale/.compiled  ## Set up everything and serve the app with the task cluster on http://127.0.0.1:8000
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_setup
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

test: $(VENV)/.dev frontend locale/.compiled  ## Run the whole test suite (uses DATABASE_URL / REDIS_URL when set)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev  ## ruff check, ruff format --check and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: $(VENV)/.dev  ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(VENV)/.runtime  ## Apply database migrations
	$(PY) manage.py migrate --noinput

clean:  ## Remove the virtualenv, node_modules and built assets (keeps var/ with your data)
	rm -rf $(VENV) node_modules static/build locale/.compiled locale/*/LC_MESSAGES/*.mo
