"""The reports inside Airflow's UI (Airflow 3.1+ plugin interface): the API server serves the
reports under /monitors behind Airflow's own authentication and authorization (a model's pages
need read access to its DAG, monitor_<model>), each run of a monitor DAG gets a "Monitoring
report" tab showing its window's page, the nav a "Monitoring" entry with the home page, and the
measure task and the part tasks a "Monitoring report" link.

Install: put plugins/monitors_reports.py (which imports this module) in Airflow's plugins folder
(`make airflow` does). The reports are found through the model YAMLs in the DAG folder's models/
(their `reports:`, a folder or an object-storage URL, read with the credentials of
`airflow.storage_conn_id` when set, else the API server's AWS environment); MONITORS_HOME
resolves relative paths as for the tasks.
"""

import mimetypes
import os  # no `from __future__ import annotations`: FastAPI reads the routes' annotations
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from airflow.plugins_manager import AirflowPlugin
from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from monitors.core.location import Location

PREFIX = "/monitors"
DAG_PREFIX = "monitor_"


@cache
def load_reports_roots() -> "dict[str, Location]":
    """Each model's reports folder, from the YAMLs in <dags folder>/models ("" -> the home page's,
    the folder most models write to)."""
    from airflow.configuration import conf

    from monitors.config import load_config
    from monitors.config_series import compute_series_configs
    from monitors_airflow.connections import load_storage_location

    dags = Path(conf.get("core", "dags_folder"))
    home = Path(os.environ.get("MONITORS_HOME") or dags.parent)
    roots: dict[str, Location] = {}
    for path in sorted((dags / "models").glob("*.y*ml")):
        try:
            config = load_config(path, home=home)
        except Exception:  # a broken YAML is its DAG's import error; its pages are not served
            continue
        try:  # the tasks' credentials for the bucket (airflow.storage_conn_id), or this process's
            root = load_storage_location(config.reports_path, config.airflow.storage_conn_id)
            roots.update((series.model, root) for series in compute_series_configs(config))
        except Exception:  # a connection that does not resolve: the pages are not served
            continue
    folders = list(roots.values())
    roots[""] = max(folders, key=folders.count) if folders else home / "reports"
    return roots


def load_file(root: "Location", relative: str) -> tuple[bytes, str] | None:
    """The bytes and media type of the file under `root` (local or object storage) a URL path
    names (a folder: its index.html); None when there is none, or the path leaves `root`."""
    from monitors.storage.files import load_bytes

    parts = [part for part in relative.split("/") if part not in ("", ".")]
    if ".." in parts:
        return None
    target = root.joinpath(*parts)
    for candidate in (target, target / "index.html"):
        try:
            found = load_bytes(candidate)
        except (IsADirectoryError, NotADirectoryError):
            continue
        if found is not None:
            return found, mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
    return None


def create_app() -> Any:
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.models.resource_details import DagDetails
    from airflow.api_fastapi.core_api.security import get_user, requires_access_dag
    from fastapi import Depends, FastAPI, HTTPException, Request
    from fastapi.responses import RedirectResponse, Response

    app = FastAPI(title="monitors reports", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/runs/{dag_id}/{run_id}", dependencies=[Depends(requires_access_dag("GET"))])
    def run_page(dag_id: str, run_id: str, request: Request) -> RedirectResponse:
        """The window page of a run of a monitor DAG (its data interval is the window)."""
        from airflow.models.dagrun import DagRun
        from airflow.utils.session import create_session
        from sqlalchemy import select

        from monitors.core.window import compute_page_key

        with create_session() as session:
            start = session.scalar(select(DagRun.data_interval_start).where(
                DagRun.dag_id == dag_id, DagRun.run_id == run_id))
        if start is None or not dag_id.startswith(DAG_PREFIX):
            raise HTTPException(404, f"no run {run_id!r} of a monitor DAG {dag_id!r}")
        series = {f"{DAG_PREFIX}{key.replace('@', '_')}": key for key in load_reports_roots() if key}
        page = f"{series.get(dag_id, dag_id.removeprefix(DAG_PREFIX))}/{compute_page_key(start)}/index.html"
        return RedirectResponse(f"{request.scope.get('root_path', PREFIX)}/{page}")

    @app.get("/{path:path}")
    def report_file(path: str, user: Any = Depends(get_user)) -> Response:  # noqa: B008
        """A page or asset; a model's pages only for users who may read its DAG."""
        model = path.split("/", 1)[0]
        roots = load_reports_roots()
        if model in roots and model:
            allowed = get_auth_manager().is_authorized_dag(
                method="GET", details=DagDetails(id=f"{DAG_PREFIX}{model.replace('@', '_')}"), user=user)
            if not allowed:  # a granularity's pages (<model>@<name>/) follow its DAG monitor_<model>_<name>
                raise HTTPException(403, f"no read access to DAG {DAG_PREFIX}{model.replace('@', '_')}")
        found = load_file(roots.get(model) or roots[""], path)
        if found is None:
            raise HTTPException(404, f"no report {path!r}")
        return Response(content=found[0], media_type=found[1])

    return app


class LazyApp:
    """An ASGI app that builds the FastAPI app on its first request: every task loads the plugins
    too (for macros), and should not pay ~0.7 s of FastAPI and Airflow API imports for it."""

    def __init__(self) -> None:
        self.app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.app is None:
            self.app = create_app()
        await self.app(scope, receive, send)


class MonitoringReportLink(BaseOperatorLink):
    """The window's page, on the measure and part tasks of a monitor DAG (empty elsewhere)."""

    name = "Monitoring report"

    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        from monitors.core.kinds import PARTS

        if not (ti_key.dag_id.startswith(DAG_PREFIX) and ti_key.task_id in ("measure", *PARTS)):
            return ""
        from airflow.configuration import conf

        base = conf.get("api", "base_url", fallback="").rstrip("/")
        return f"{base}{PREFIX}/runs/{ti_key.dag_id}/{ti_key.run_id}"


class MonitorsPlugin(AirflowPlugin):
    name = "monitors"
    fastapi_apps = [{"app": LazyApp(), "url_prefix": PREFIX, "name": "monitors reports"}]
    external_views = [
        {"name": "Monitoring report", "href": f"{PREFIX}/runs/{{DAG_ID}}/{{RUN_ID}}",
         "destination": "dag_run", "url_route": "monitoring-report"},
        {"name": "Monitoring", "href": f"{PREFIX}/index.html", "destination": "nav",
         "category": "browse", "url_route": "monitoring"},
    ]
    global_operator_extra_links = [MonitoringReportLink()]
