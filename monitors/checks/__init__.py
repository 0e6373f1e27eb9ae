"""Great Expectations: one GX context per process (context.py), suites read, written and
profiled from the baseline (suites.py), validation results as measurements and the schema
snapshot (results.py), and suites validated in the warehouse by GX's SQL datasource
(warehouse.py)."""
