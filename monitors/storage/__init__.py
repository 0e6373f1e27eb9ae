"""Every byte written: the Files seam (files.py: whole-file writes, atomic replacement, locks;
local disk today), the results store (results.py: one Parquet file per window), the trend
file per model (trends.py), the DuckDB catalog (catalog.py) and the baseline cache (profiles,
tallies, samples: baseline_cache.py)."""
