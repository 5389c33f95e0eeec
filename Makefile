# Every target installs what it needs first: uv (from PyPI into .tools/ when
# it is not on PATH), then the locked dependencies into .venv/.
SHELL := /bin/bash
.DEFAULT_GOAL := help

TOOLS_DIR := .tools
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/$(TOOLS_DIR)/bin/uv)
RUN := $(UV) run --frozen
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run migrate revision test lint format typecheck bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(CURDIR)/$(TOOLS_DIR)/bin/uv:
	python3 -m venv $(TOOLS_DIR)
	$(TOOLS_DIR)/bin/python -m pip install --quiet uv

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

install: .venv/.installed ## Install uv (if missing) and the locked dependencies

run: install ## Serve the API on $(HOST):$(PORT), migrations applied (embedded PostgreSQL unless DATABASE__URL is set)
	$(RUN) app serve --host $(HOST) --port $(PORT)

migrate: install ## Apply the migrations
	$(RUN) app migrate

revision: install ## Autogenerate a migration from the models: make revision m="add a column"
	@test -n "$(m)" || { echo 'Usage: make revision m="what changed"'; exit 2; }
	$(RUN) app migrate
	$(RUN) alembic revision --autogenerate -m "$(m)"

test: install ## Run the whole test suite in parallel on real PostgreSQL, coverage enforced
	$(RUN) pytest

lint: install ## Ruff (lint and format check), hadolint, yamllint
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) hadolint Dockerfile
	$(RUN) yamllint --strict .

format: install ## Format and autofix with ruff
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

typecheck: install ## mypy --strict
	$(RUN) mypy

bench: install ## Load-test the service against a raw ASGI ceiling (WORKERS=1 DURATION=10); results in bench/results/
	@command -v wrk >/dev/null || ! command -v apt-get >/dev/null || [ "$$(id -u)" != 0 ] \
		|| apt-get install -y -qq wrk >/dev/null 2>&1 \
		|| { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1; } \
		|| echo "Could not install wrk: the asyncio client will drive the load."
	$(RUN) python -m bench

clean: ## Remove the virtualenv, tool venv and caches (keeps .data/)
	rm -rf .venv $(TOOLS_DIR) .mypy_cache .ruff_cache .pytest_cache .coverage htmlcov
