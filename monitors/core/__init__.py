"""Plain types, no I/O: windows, measurements, errors, the metric registry, counts and tallies,
the baseline profile. Imports none of sqlalchemy, duckdb, pyarrow, GX or Evidently (lint)."""
