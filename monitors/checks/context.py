"""One ephemeral GX context per process (each new one makes a temp docs folder), shared by the
pandas and the SQL validation; GX kept quiet (no progress bars, warnings only). GX 1.x sends no
usage statistics (it has none) and an ephemeral context writes no data docs: its cost is the
import (~4 s on a quiet 2-core machine), a quarter of which gx_context_for saves a process that
validates on one dialect."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import sys
import types
from typing import Any

_CONTEXT: dict[str, Any] = {}
# GX's Spark DataFrame engine, which GX imports when pyspark is installed (~0.5 s): suites are
# validated in SQL, Spark SQL's too (through its Thrift server)
SPARK_DATAFRAMES = ("pyspark", "py4j")
# imported by GX at module level for what a validation never runs: Altair for its renderers'
# charts, SciPy's statistics for one expectation (KL divergence); ~1.2 s of CPU together on a
# 2-core machine, a quarter of the validating process's import
RENDERING_ONLY = ("altair", "scipy.stats")


class DeferredModule(types.ModuleType):
    """A module imported on first use: registered under its name with its spec, so `import x`
    and `from package import x` take it without running it; the first attribute read imports the
    real module and copies its namespace in."""

    def __getattr__(self, attribute: str) -> Any:
        name = self.__name__
        if sys.modules.get(name) is self:
            del sys.modules[name]
        real = importlib.import_module(name)
        self.__dict__.update(real.__dict__)
        return getattr(real, attribute)


def defer_import(name: str) -> None:
    """`name` imported on first use (DeferredModule); nothing when it is imported already or
    missing."""
    if name in sys.modules or (spec := importlib.util.find_spec(name)) is None:
        return
    module = DeferredModule(name)
    module.__spec__, module.__file__ = spec, spec.origin
    if spec.submodule_search_locations is not None:
        module.__path__ = list(spec.submodule_search_locations)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


def quiet_gx() -> None:
    os.environ.setdefault("TQDM_DISABLE", "1")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)


def gx_context() -> Any:
    """The process's GX context."""
    if "context" not in _CONTEXT:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        quiet_gx()
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        _CONTEXT["context"] = context
    return _CONTEXT["context"]


def gx_context_for(dialect: str) -> Any:
    """The process's GX context, GX imported as if only the dialect's integrations were installed:
    without the packages GX imports for the other dialects (Dialect.gx_integrations) nor its
    Spark DataFrame engine. GX imports each of them in a try block and goes on without it when
    it is missing, so the SQL validation on `dialect` is GX's own; only the import is shorter.
    For a process that validates on that dialect only (run.beside's). Packages already imported
    are kept; the others can be imported again once GX is. GX's rendering-only modules are
    imported on first use (defer_import): a validation never reads them."""
    from monitors.warehouse.dialects import DIALECTS

    keep = set(DIALECTS[dialect].gx_integrations) if dialect in DIALECTS else set()
    others = [p for d in DIALECTS.values() if d.name != dialect for p in d.gx_integrations]
    skipped = [p for p in dict.fromkeys([*SPARK_DATAFRAMES, *others])
               if p not in keep and p not in sys.modules]
    for package in skipped:
        sys.modules[package] = None  # type: ignore[assignment]  # import raises ImportError
    for name in RENDERING_ONLY:
        defer_import(name)
    try:
        return gx_context()
    finally:
        for package in skipped:
            if package in sys.modules and sys.modules[package] is None:
                del sys.modules[package]


def frame_batch_definition() -> Any:
    """The context's batch definition for a window held in pandas (made once)."""
    if "batch" not in _CONTEXT:
        source = gx_context().data_sources.add_pandas("monitors")
        _CONTEXT["batch"] = source.add_dataframe_asset("window").add_batch_definition_whole_dataframe(
            "window")
    return _CONTEXT["batch"]
