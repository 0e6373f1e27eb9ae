"""Builds the DAG `monitor_<model>` for one YAML file in dags/models/, and one DAG
`monitor_<model>_<name>` per granularity it declares (each its own timetable: one data interval
per run, its own catchup and backfills; registered by Airflow as DAGs built while the file is
imported).

Each model has a two-line DAG file (dags/monitor_<model>.py) calling build_dag(__file__), so a
broken YAML is an import error of that file alone, naming the YAML file and key, and the other
models' DAGs keep loading. Nothing heavy is imported here: configs are read, DAGs are built;
pandas, GX, Evidently, DuckDB and SQLAlchemy are imported inside the tasks.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from airflow.sdk import DAG, Asset, AssetAlias, CronDataIntervalTimetable, dag, task

from monitors.config import ModelConfig, load_config
from monitors.core.kinds import PARTS
from monitors_airflow.connections import apply_storage_connection, load_warehouse_url
from monitors_airflow.notifiers import create_notifiers, create_resolved_notifiers

log = logging.getLogger(__name__)
ASSET_EXTRA = ("model", "window_start", "window_end", "status", "broken", "report")
DOC = """
Monitors model **{model}** ({task}) from `{source}`: one run per `{schedule}` window (UTC),
reading predictions from `{table}`. `measure` measures and stores the window and writes its page;
a window that broke rules fails the task of each part that broke (`checks`, `drift`,
`performance`) with a message naming each rule, its value and its bound; `report` renders its
Evidently report after them; results go to `{store}` (view `monitor_results`), reports to
`{reports}`.
"""


def load_yaml_path(dag_file: str | Path) -> Path:
    """dags/monitor_credit_risk.py -> dags/models/credit_risk.yaml (or .yml)."""
    models = Path(dag_file).resolve().parent / "models"
    name = Path(dag_file).stem.removeprefix("monitor_")
    for suffix in (".yaml", ".yml"):
        if (models / f"{name}{suffix}").exists():
            return models / f"{name}{suffix}"
    raise FileNotFoundError(f"{dag_file}: no config {models / name}.yaml for this DAG file")


def load_home(dag_file: str | Path) -> Path:
    """MONITORS_HOME, by default the project root: the folder above dags/."""
    return Path(os.environ.get("MONITORS_HOME") or Path(dag_file).resolve().parent.parent)


def _window(context: dict[str, Any]) -> Any:
    from monitors.core.window import Window

    return Window(context["data_interval_start"], context["data_interval_end"])


def load_ui_config(config: ModelConfig) -> ModelConfig:
    """Without reports_url, and with Airflow's [api] base_url set and the monitors plugin in the
    plugins folder, messages and notifications link the window's page inside Airflow."""
    from airflow.configuration import conf

    base = conf.get("api", "base_url", fallback=None)
    plugin = Path(conf.get("core", "plugins_folder")) / "monitors_reports.py"
    if config.reports_url or not base or not plugin.exists():
        return config
    return config.model_copy(update={"reports_url": f"{base.rstrip('/')}/monitors"})


def build_dag(dag_file: str | Path) -> DAG:
    """The model's DAG (its primary schedule); the granularities' DAGs are built beside it."""
    from monitors.config_series import compute_series_configs

    yaml_path = load_yaml_path(dag_file)
    config = load_ui_config(load_config(yaml_path, home=load_home(dag_file)))
    built = [build_series_dag(series, yaml_path) for series in compute_series_configs(config)]
    return built[0]


def build_series_dag(config: ModelConfig, yaml_path: Path) -> DAG:
    """The DAG of one series: monitor_<model>, or monitor_<model>_<granularity>."""
    settings = config.airflow
    callbacks = create_notifiers(config)
    series_id = config.model.replace("@", "_")

    @dag(
        dag_id=f"monitor_{series_id}",
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
        alerts_alias = AssetAlias(f"monitors_{series_id}_alerts")
        alerts_asset = Asset(f"monitors://{config.model}/alerts")

        def run_stage(name: str, context: dict[str, Any], *args: Any, warehouse: bool = False,
                      **kwargs: Any) -> Any:
            """monitors.run.stages.run_<name> for this run's window (the import in the task)."""
            from monitors.run import stages

            apply_storage_connection(config)
            if warehouse:
                kwargs["url"] = load_warehouse_url(config.warehouse)
            return getattr(stages, f"run_{name}")(config, _window(context), *args, **kwargs)

        @task.branch(pool=settings.pool, outlets=[stored_asset, alerts_alias],
                     on_success_callback=create_resolved_notifiers(config) or None)
        def measure(**context: Any) -> list[str]:
            """The window measured and stored and its page written in one process (in the warehouse
            pool), then earlier windows' late labels refreshed. An event on monitors://<model> (and
            on monitors://<model>/alerts when a rule broke) says which window, its status, its
            broken rules and its page. Runs the part tasks whose rules broke, `report` if the
            window wants its Evidently report or its page failed, `refresh_labels` if late labels
            broke a rule; skips the others."""
            measured = run_stage("measure", context, context["run_id"], warehouse=True)
            extra = {key: measured[key] for key in ASSET_EXTRA}
            context["outlet_events"][stored_asset].extra = extra
            if measured["status"] == "alert":
                context["outlet_events"][alerts_alias].add(alerts_asset, extra=extra)
            context["ti"].xcom_push(key="late_labels", value=measured["late_labels"])
            wanted = measured["report_job"] is not None or bool(measured["report_error"])
            context["ti"].xcom_push(key="report", value={"job": measured["report_job"], "rebuild": bool(
                measured["report_error"])} if wanted else None)
            if measured["report_error"]:
                log.warning("%s", measured["report_error"])
            return [*measured["parts"], *(["report"] if wanted else []),
                    *(["refresh_labels"] if measured["late_labels"] else [])]

        def part_task(part: str) -> Any:
            @task(task_id=part, retries=0)
            def judge(**context: Any) -> None:
                """Fail (no retry) with the window's message: each broken rule, its value and
                bound, NEW or ONGOING, the page. Runs only when this part broke a rule."""
                from airflow.sdk.exceptions import AirflowFailException

                message = run_stage("part", context, part)
                if message:
                    raise AirflowFailException(message)

            return judge()

        @task
        def report(**context: Any) -> dict[str, Any]:
            """The window's Evidently report, after its part tasks failed and notified (a teardown:
            it runs whatever they did once `measure` stored the window, and its own failure, a
            warning, leaves the run's state to the window's rules); its pages again when they
            failed in `measure`. Skipped when `measure` asked for neither."""
            from airflow.sdk.exceptions import AirflowSkipException

            wanted = context["ti"].xcom_pull(task_ids="measure", key="report")
            if not wanted:  # run because a part it follows ran: nothing to render
                raise AirflowSkipException("the window wants no report")
            return run_stage("report", context, wanted["job"], warehouse=True, rebuild=wanted["rebuild"])

        @task(retries=0)
        def refresh_labels(**context: Any) -> None:
            """Labels that arrived since earlier windows ran broke their rules: fail naming them."""
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(context["ti"].xcom_pull(task_ids="measure", key="late_labels"))

        measured = measure()
        parts = [part_task(part) for part in PARTS]
        rendered = report()
        measured >> [*parts, rendered, refresh_labels()]
        # the report follows the parts: an alert fails and notifies first; a teardown of measure, it
        # runs once measure succeeded whatever the parts did, and is skipped when measure failed
        parts >> rendered.as_teardown(setups=measured.operator)  # type: ignore[attr-defined]  # a PlainXComArg

    return monitor()
