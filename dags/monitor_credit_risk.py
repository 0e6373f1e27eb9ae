"""DAG monitor_credit_risk, from models/credit_risk.yaml (one such file per model)."""

from monitors_airflow.factory import build_dag

dag = build_dag(__file__)
