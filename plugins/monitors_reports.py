"""Airflow plugin `monitors` (the reports in Airflow's UI): see dags/monitors_airflow/plugin.py.
Copy this file into Airflow's plugins folder; the DAG folder holding monitors_airflow/ must be on
the path (it is added here from [core] dags_folder)."""

import sys

from airflow.configuration import conf

if conf.get("core", "dags_folder") not in sys.path:
    sys.path.append(conf.get("core", "dags_folder"))

from monitors_airflow.plugin import MonitorsPlugin  # noqa: E402

__all__ = ["MonitorsPlugin"]
