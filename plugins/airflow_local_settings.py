"""Airflow's local-settings hook, imported by every Airflow process as it starts. In the
scheduler (whose LocalExecutor forks the task processes) it imports what monitor tasks use, so
each task starts with Great Expectations, pandas, SQLAlchemy, DuckDB, PyArrow and monitors
already loaded instead of importing them again."""

import sys

__all__: list[str] = []  # no cluster policies here

if sys.argv[1:2] == ["scheduler"]:
    import great_expectations  # noqa: F401
    import great_expectations.execution_engine.sqlalchemy_execution_engine  # noqa: F401

    import monitors.checks.warehouse  # noqa: F401
    import monitors.run.stages  # noqa: F401  (pandas, SQLAlchemy, DuckDB, PyArrow, monitors)
