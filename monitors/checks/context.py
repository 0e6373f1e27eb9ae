"""One ephemeral GX context per process (each new one makes a temp docs folder), shared by the
pandas and the SQL validation; GX kept quiet (no progress bars, warnings only)."""

from __future__ import annotations

import logging
import os
from typing import Any

_CONTEXT: dict[str, Any] = {}


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


def frame_batch_definition() -> Any:
    """The context's batch definition for a window held in pandas (made once)."""
    if "batch" not in _CONTEXT:
        source = gx_context().data_sources.add_pandas("monitors")
        _CONTEXT["batch"] = source.add_dataframe_asset("window").add_batch_definition_whole_dataframe(
            "window")
    return _CONTEXT["batch"]
