"""The only wiring: a window measured end to end (window.py: run_window), which the Airflow
tasks run too (stages.py), the baseline read once per run (reference.py), the late-label
refresh (labels.py), pages from the store (pages.py), the suite profiled (suite.py)."""
