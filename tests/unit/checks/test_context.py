"""The process validating a suite beside a CLI run imports GX as if only its dialect's
integrations were installed: the other dialects' packages and GX's Spark DataFrame engine are
not imported, GX stands without them, and they can be imported once GX is."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent("""
    import json, sys
    from monitors.checks.context import gx_context_for

    context = gx_context_for(sys.argv[1])
    from great_expectations.compatibility import pyspark as gx_spark
    imported = sorted(p for p in ("pyspark", "snowflake", "sqlalchemy_redshift", "trino")
                      if p in sys.modules)
    import pyspark  # skipped while GX was imported, not for good
    print(json.dumps({"imported": imported, "gx_spark": type(gx_spark.pyspark).__name__,
                      "context": type(context).__name__, "later": pyspark.__name__}))
""")


@pytest.mark.parametrize(("dialect", "imported"), [
    ("duckdb", []),
    ("snowflake", ["snowflake"]),  # the dialect's own integration is GX's as installed
])
def test_gx_is_imported_without_the_other_dialects_integrations(dialect: str, imported: list[str]) -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT, dialect], capture_output=True, text=True,
                         check=True).stdout
    got = json.loads(out.splitlines()[-1])
    assert got == {"imported": imported, "gx_spark": "NotImported", "context": "EphemeralDataContext",
                   "later": "pyspark"}
