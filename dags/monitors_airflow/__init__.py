"""Airflow wiring for monitors: the DAG factory, warehouse connections and notifiers.

Only dags/ imports airflow; the monitors package never does.
"""
