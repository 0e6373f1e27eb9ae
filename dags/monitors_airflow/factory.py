"""Builds the DAG `monitor_<model>` for one YAML file in dags/models/.

Each model has a two-line DAG file (dags/monitor_<model>.py) calling build_dag(__file__), so a
broken YAML is an import error of that file alone, naming the YAML file and key, and the other
models' DAGs keep loading. Nothing heavy is imported here: configs are read, DAGs are built;
pandas, GX, Evidently, DuckDB and SQLAlchemy are imported inside the tasks.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from airflow.sdk import DAG, Asset, AssetAlias, CronDataIntervalTimetable, dag, task

from monitors.config import ModelConfig, load_config
from monitors_airflow.connections import compute_warehouse_url
from monitors_airflow.notifiers import compute_notifiers, compute_resolved_notifiers

ASSET_EXTRA = ("model", "window_start", "window_end", "status", "broken", "report")
DOC = """
Monitors model **{model}** ({task}) from `{source}`: one run per `{schedule}` window (UTC),
reading predictions from `{table}`. Broken rules fail the `evaluate` task with a message that
names each rule, its value and its bound; results go to `{store}` (view `monitor_results`),
reports to `{reports}`.
"""


def compute_yaml_path(dag_file: str | Path) -> Path:
    """dags/monitor_credit_risk.py -> dags/models/credit_risk.yaml (or .yml)."""
    models = Path(dag_file).resolve().parent / "models"
    name = Path(dag_file).stem.removeprefix("monitor_")
    for suffix in (".yaml", ".yml"):
        if (models / f"{name}{suffix}").exists():
            return models / f"{name}{suffix}"
    raise FileNotFoundError(f"{dag_file}: no config {models / name}.yaml for this DAG file")


def compute_home(dag_file: str | Path) -> Path:
    """MONITORS_HOME, by default the project root: the folder above dags/."""
    return Path(os.environ.get("MONITORS_HOME") or Path(dag_file).resolve().parent.parent)


def _window(context: dict[str, Any]) -> Any:
    from monitors.core.window import Window

    return Window(context["data_interval_start"], context["data_interval_end"])


def compute_ui_config(config: ModelConfig) -> ModelConfig:
    """Without reports_url, and with Airflow's [api] base_url set and the monitors plugin in the
    plugins folder, messages and notifications link the window's page inside Airflow."""
    from airflow.configuration import conf

    base = conf.get("api", "base_url", fallback=None)
    plugin = Path(conf.get("core", "plugins_folder")) / "monitors_reports.py"
    if config.reports_url or not base or not plugin.exists():
        return config
    return config.model_copy(update={"reports_url": f"{base.rstrip('/')}/monitors"})


def build_dag(dag_file: str | Path) -> DAG:
    yaml_path = compute_yaml_path(dag_file)
    config = compute_ui_config(load_config(yaml_path, home=compute_home(dag_file)))
    settings = config.airflow
    callbacks = compute_notifiers(config)

    @dag(
        dag_id=f"monitor_{config.model}",
        schedule=CronDataIntervalTimetable(config.schedule, timezone=config.timezone),
        start_date=datetime(config.start_date.year, config.start_date.month,
                            config.start_date.day, tzinfo=ZoneInfo(config.timezone)),
        catchup=settings.catchup,
        max_active_runs=settings.max_active_runs,
        tags=["monitors", config.task, *settings.tags],
        doc_md=DOC.format(model=config.model, task=config.task, source=yaml_path.name,
                          schedule=config.schedule, table=config.predictions.table,
                          store=config.store_path, reports=config.reports_path),
        default_args={"retries": settings.retries, "retry_delay": settings.retry_delay,
                      "on_failure_callback": callbacks or None},
        render_template_as_native_obj=False,
    )
    def monitor() -> None:
        stored_asset = Asset(f"monitors://{config.model}")
        alerts_alias = AssetAlias(f"monitors_{config.model}_alerts")
        alerts_asset = Asset(f"monitors://{config.model}/alerts")

        def run_stage(name: str, context: dict[str, Any], warehouse: bool = False,
                      run_id: bool = False) -> Any:
            """monitors.run.stages.run_<name> for this run's window (the import in the task)."""
            from monitors.run import stages

            args = [config, _window(context), *([context["run_id"]] if run_id else [])]
            kwargs = {"url": compute_warehouse_url(config.warehouse)} if warehouse else {}
            return getattr(stages, f"run_{name}")(*args, **kwargs)

        @task(pool=settings.pool)
        def extract(**context: Any) -> dict[str, Any]:
            """Read the window and the baseline from the warehouse (in the warehouse pool)."""
            return run_stage("extract", context, warehouse=True)

        @task(pool=settings.pool)
        def checks(extracted: dict[str, Any], **context: Any) -> dict[str, int]:
            """Schema and data quality: the GX suite (validated in the warehouse) and our own."""
            return run_stage("checks", context, warehouse=True)

        @task
        def drift(extracted: dict[str, Any], **context: Any) -> dict[str, int]:
            return run_stage("drift", context)

        @task(pool=settings.pool)
        def performance(extracted: dict[str, Any], **context: Any) -> dict[str, int]:
            """Realized and estimated performance; tracing queries the warehouse on an alert."""
            return run_stage("performance", context, warehouse=True)

        @task(outlets=[stored_asset, alerts_alias])
        def store(parts: list[dict[str, int]], **context: Any) -> dict[str, Any]:
            """Replace the window's results in the store, atomically; an event on the asset
            monitors://<model> (and on monitors://<model>/alerts when a rule broke) says which
            window, its status, its broken rules and its page, for DAGs scheduled on them."""
            stored = run_stage("store", context, run_id=True)
            extra = {key: stored[key] for key in ASSET_EXTRA}
            context["outlet_events"][stored_asset].extra = extra
            if stored["status"] == "alert":
                context["outlet_events"][alerts_alias].add(alerts_asset, extra=extra)
            return stored

        @task
        def report(stored: dict[str, Any], **context: Any) -> dict[str, Any]:
            """The window's pages; the Evidently report when report.evidently says so (for a
            window that broke a rule, its samples are read from the warehouse here)."""
            return run_stage("report", context, warehouse=True)

        @task(pool=settings.pool)
        def refresh_labels(stored: dict[str, Any], **context: Any) -> dict[str, Any]:
            """Recompute earlier windows' realized performance with labels that arrived since; fail
            (no retry, as evaluate) naming the rules the new labels broke."""
            from airflow.sdk.exceptions import AirflowFailException

            refreshed = run_stage("refresh", context, warehouse=True, run_id=True)
            if refreshed["message"]:
                raise AirflowFailException(refreshed["message"])
            return refreshed

        @task(retries=0, on_success_callback=compute_resolved_notifiers(config) or None)
        def evaluate(reported: dict[str, Any], **context: Any) -> str:
            """Fail (no retry) with a message naming each broken rule, its value and bound."""
            from airflow.sdk.exceptions import AirflowFailException

            message = run_stage("evaluate", context)
            if message:
                raise AirflowFailException(message)
            return "ok"

        extracted = extract()
        parts = [checks(extracted), drift(extracted), performance(extracted)]
        stored = store(parts)
        refresh_labels(stored)
        evaluate(report(stored))

    return monitor()
