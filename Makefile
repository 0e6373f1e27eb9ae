# Quick start: `make demo`, `make test`. Each bootstraps what it needs: uv (from PyPI if it is
# missing), the locked environment (uv.lock) with bytecode compiled.
SHELL := /bin/bash
export UV_COMPILE_BYTECODE := 1
export MONITORS_HOME ?= $(CURDIR)
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
VENV := .venv
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck clean env

$(CURDIR)/.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check uv

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups
	touch $@

env: $(VENV)/.synced

demo: env
	$(VENV)/bin/monitors demo

test: env
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: env
	$(VENV)/bin/ruff check monitors dags tests benchmarks
	$(VENV)/bin/mypy monitors

clean:
	rm -rf reports/* monitoring monitoring.duckdb warehouse.duckdb .pytest_cache
