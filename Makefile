# Quick start: `make demo`, `make test`. Each bootstraps what it needs: uv (from PyPI if it is
# missing), the locked environment (uv.lock) with bytecode compiled.
SHELL := /bin/bash
export UV_COMPILE_BYTECODE := 1
export MONITORS_HOME ?= $(CURDIR)
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
VENV := .venv
PYTEST_ARGS ?=

.PHONY: demo test lint typecheck clean env airflow java redis docs

$(CURDIR)/.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/python -m pip install --quiet --disable-pip-version-check uv

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --all-groups --all-extras
	touch $@

env: $(VENV)/.synced

demo: env
	$(VENV)/bin/monitors demo

# Debian's Chromium for tests/browser (headless); installed here when missing (needs root or sudo).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium \
	|| { echo "tests/browser need Debian's chromium: apt-get install chromium"; exit 1; }

# Java 17 for tests/integration/test_spark.py (pyspark's Spark SQL Thrift server); Debian's
# openjdk-17-jre-headless is installed here when there is no java (needs root or sudo).
java:
	@command -v java >/dev/null || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	openjdk-17-jre-headless || { echo "tests/integration/test_spark.py needs Java 17: apt-get install \
	openjdk-17-jre-headless"; exit 1; }; }

# Redis for tests/dags/test_cluster.py (the Celery broker; the test starts its own on a free port);
# Debian's redis-server is installed here when missing (needs root or sudo).
redis:
	@command -v redis-server >/dev/null || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	redis-server || { echo "tests/dags/test_cluster.py needs redis-server: apt-get install redis-server"; \
	exit 1; }; }

# fakesnow for the Snowflake tests (tests/snowflake_server.py serves the real Snowflake connector
# from another process): its own venv, pinned in tests/fakesnow.txt, since fakesnow pins an older
# sqlglot and needs snowflake-connector-python 4 where the project has 5.
FAKESNOW := .tools/fakesnow/.synced
$(FAKESNOW): tests/fakesnow.txt | $(UV) $(VENV)/.synced
	$(UV) venv -q --allow-existing -p $(VENV)/bin/python .tools/fakesnow
	$(UV) pip install -q --python .tools/fakesnow/bin/python --compile-bytecode -r tests/fakesnow.txt
	touch $@

test: env $(CHROMIUM) java redis $(FAKESNOW)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

lint: env
	$(VENV)/bin/ruff check monitors dags plugins tests benchmarks scripts
	$(VENV)/bin/mypy monitors dags plugins
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider tests/unit/test_layout.py

# The documentation site (MkDocs Material; mkdocs.yml): --strict fails on a broken link or anchor
# and on a page left out of the nav. Into site/.
docs: env
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

# Airflow locally: standalone (scheduler, dag processor, API server + UI on :8080) on
# ./airflow-home with the DAGs in ./dags. Runs the demo first if there is no warehouse yet.
AIRFLOW_ENV := AIRFLOW_HOME=$(CURDIR)/airflow-home AIRFLOW__CORE__DAGS_FOLDER=$(CURDIR)/dags \
	AIRFLOW__CORE__PLUGINS_FOLDER=$(CURDIR)/plugins \
	AIRFLOW__CORE__LOAD_EXAMPLES=False MONITORS_HOME=$(CURDIR)
airflow: env
	test -f warehouse.duckdb || $(VENV)/bin/monitors demo
	$(AIRFLOW_ENV) $(VENV)/bin/airflow db migrate
	$(AIRFLOW_ENV) $(VENV)/bin/airflow pools set monitors_warehouse 4 "monitors: warehouse queries"
	$(AIRFLOW_ENV) PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/airflow standalone

clean:
	rm -rf reports/* monitoring monitoring.duckdb warehouse.duckdb .pytest_cache site
