# Every target installs what it needs first: uv (from PyPI into .tools/ when
# it is not on PATH), then the locked dependencies into .venv/.
SHELL := /bin/bash
.DEFAULT_GOAL := help

TOOLS_DIR := .tools
UV := $(or $(shell command -v uv 2>/dev/null),$(CURDIR)/$(TOOLS_DIR)/bin/uv)
RUN := $(UV) run --frozen
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
FUZZ_MAX_TIME ?= 120
FUZZ_ARGS ?=
WORKERS ?= 2
SMTP_PORT ?= 1025

.PHONY: help install run serve-prod migrate purge revision superuser smtp-catcher pre-commit readme-check test test-pgbouncer lint lint-deploy format typecheck bench bench-data-size bench-soak wrk clean e2e chromium fuzz

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(CURDIR)/$(TOOLS_DIR)/bin/uv:
	python3 -m venv $(TOOLS_DIR)
	$(TOOLS_DIR)/bin/python -m pip install --quiet uv

.venv/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

install: .venv/.installed ## Install uv (if missing) and the locked dependencies

run: install ## Serve the API on HOST:PORT (127.0.0.1:8000), migrations applied (embedded PostgreSQL unless DATABASE__URL is set)
	$(RUN) app serve --host $(HOST) --port $(PORT)

serve-prod: install ## Serve with WORKERS (2) worker processes, no reload (configure ENVIRONMENT=production, DATABASE__URL, SECURITY__JWT_SECRET_KEY, SECURITY__DATA_ENCRYPTION_KEY, METRICS__BEARER_TOKEN)
	$(RUN) app serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

migrate: install ## Apply the migrations
	$(RUN) app migrate

purge: install ## Delete ended sessions, expired recovery tokens and throttle counters (app purge)
	$(RUN) app purge

revision: install ## Autogenerate a migration from the models: make revision m="add a column"
	@test -n "$(m)" || { echo 'Usage: make revision m="what changed"'; exit 2; }
	$(RUN) app migrate
	$(RUN) alembic revision --autogenerate -m "$(m)"

superuser: install ## Make EMAIL an active superuser: make superuser EMAIL=admin@example.com (password: SUPERUSER_PASSWORD, else a prompt)
	@test -n "$(EMAIL)" || { echo 'Usage: make superuser EMAIL=admin@example.com'; exit 2; }
	$(RUN) app create-superuser "$(EMAIL)"

smtp-catcher: install ## A local SMTP server on 127.0.0.1:SMTP_PORT (1025) that prints every message
	$(RUN) python -m aiosmtpd -n -l 127.0.0.1:$(SMTP_PORT)

pre-commit: install ## Install the git hooks (ruff, mypy, hadolint, yamllint, schemas) into .git/hooks
	$(RUN) pre-commit install

readme-check: ## Run the README's commands in a clean copy of this tree, with no uv on PATH
	python3 .ci/readme_commands.py

test: install ## Run the whole test suite in parallel on real PostgreSQL, coverage enforced
	$(RUN) pytest

# The service under test reaches the database through PgBouncer (PGBOUNCER_URL,
# set by the script); the fixtures that create, migrate and arrange databases
# connect to PostgreSQL directly (DATABASE__URL).
test-pgbouncer: install ## The test suite with the service behind PgBouncer (transaction pooling) in front of 127.0.0.1:5432 (installs pgbouncer with apt if missing)
	DATABASE__URL=postgresql+asyncpg://postgres@127.0.0.1:5432/postgres DATABASE__STATEMENT_CACHE_SIZE=0 \
		.ci/pgbouncer.sh $(RUN) pytest --no-cov

lint: install lint-deploy ## Ruff (lint and format check), then lint-deploy
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) lint-imports

lint-deploy: install ## hadolint, yamllint; compose, workflows and Kubernetes manifests against their schemas (offline)
	$(RUN) hadolint Dockerfile
	$(RUN) yamllint --strict .
	$(RUN) check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
	$(RUN) check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(RUN) python .ci/validate_kubernetes.py

format: install ## Format and autofix with ruff
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

typecheck: install ## mypy --strict
	$(RUN) --group e2e --group fuzz mypy

e2e: install chromium ## The docs page in headless Chromium against a live server (installs Chromium if missing)
	CHROMIUM=$(CHROMIUM) $(RUN) --group e2e pytest -c e2e/pytest.ini e2e

chromium: ## Install Debian's chromium with apt unless CHROMIUM (/usr/bin/chromium) exists
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if ! command -v apt-get >/dev/null; then \
	    echo "No Chromium at $(CHROMIUM) and no apt-get: install one, then set CHROMIUM=/path" >&2; \
	    exit 1; \
	  fi; \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -qq; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	fi

fuzz: install ## Fuzz the API from its OpenAPI document with Schemathesis (FUZZ_MAX_TIME=120 s, FUZZ_ARGS=--seed=N)
	FUZZ_MAX_TIME=$(FUZZ_MAX_TIME) $(RUN) --group fuzz python -m e2e.fuzz $(FUZZ_ARGS)

bench: install wrk ## Load-test the service against a raw ASGI ceiling, then two workers and storage (WORKERS=1 DURATION=10); results in bench/results/
	$(RUN) python -m bench

bench-data-size: install wrk ## /users/me and refresh on 1,000 users, then on 1,000,000 users and 2,000,000 sessions; results in bench/results/
	SCENARIOS=data-size $(RUN) python -m bench

wrk: ## Install wrk with apt when missing and possible (the bench falls back to its asyncio client)
	@command -v wrk >/dev/null || ! command -v apt-get >/dev/null || [ "$$(id -u)" != 0 ] \
		|| apt-get install -y -qq wrk >/dev/null 2>&1 \
		|| { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1; } \
		|| echo "Could not install wrk: the asyncio client will drive the load."

bench-soak: install ## Ten minutes of mixed load at a fixed rate, purging as it goes (SOAK_MINUTES=10 SOAK_RATE=400); results in bench/results/
	$(RUN) python -m bench.soak

clean: ## Remove the virtualenv, tool venv and caches (keeps .data/)
	rm -rf .venv $(TOOLS_DIR) .mypy_cache .ruff_cache .pytest_cache .coverage htmlcov e2e/artifacts .schemathesis
