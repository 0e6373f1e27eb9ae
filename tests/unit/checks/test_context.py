"""The process validating a suite beside a CLI run imports GX as if only its dialect's
integrations were installed: the other dialects' packages and GX's Spark DataFrame engine are
not imported, GX stands without them, and they can be imported once GX is. GX's rendering-only
modules (Altair, SciPy's statistics) are not run by the import, and are the real ones on first use."""

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
    deferred = sorted(n for n in ("altair", "scipy.stats") if type(sys.modules[n]).__name__ == "DeferredModule")
    from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl
    entropy = round(float(kl.stats.entropy([0.5, 0.5])), 6)  # the real SciPy, imported on first use
    print(json.dumps({"imported": imported, "gx_spark": type(gx_spark.pyspark).__name__,
                      "context": type(context).__name__, "later": pyspark.__name__,
                      "deferred": deferred, "entropy": entropy,
                      "loaded": type(sys.modules["scipy.stats"]).__name__,
                      "chart": kl.alt.Chart.__name__}))
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
                   "later": "pyspark", "deferred": ["altair", "scipy.stats"], "entropy": 0.693147,
                   "loaded": "module", "chart": "Chart"}
