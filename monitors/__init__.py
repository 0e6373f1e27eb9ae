"""monitors: batch monitoring of ML models in production.

This package never imports airflow; it runs and tests without a scheduler.
"""

__version__ = "0.1.0"
