"""Measurements from counts, pure: drift scores and bounds, data quality, performance, CBPE,
tracing, and the rows of one window (measure.py). No I/O; imports none of sqlalchemy, duckdb,
pyarrow, GX or Evidently (lint)."""
