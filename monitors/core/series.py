"""The config's `series:` entries: a stored whole-window metric (a custom metric, a performance
metric, a drift share, row_count...) judged against the same season of its own history, by the
rules volume follows (core.settings.Seasonal, compute.series). Plain data; which metrics a model
stores is known at config load (check_series names a wrong entry's key, with a did-you-mean)."""

from __future__ import annotations

import difflib
from typing import Literal

from pydantic import Field

from monitors.core.fields import Identifier
from monitors.core.metrics import compute_estimated_metrics, compute_task_metrics
from monitors.core.settings import Seasonal

# whole-window metrics every model stores (kind -> metrics), beside its task's and its custom ones
ALWAYS = {"data_quality": ("row_count", "hours_since_last_prediction"),
          "drift": ("drifted_share", "pca_reconstruction_error")}


class SeriesRule(Seasonal):
    """One stored whole-window metric judged against its season: below the expected range
    alerts (direction down), above it (up), or either (both); the spread is never below
    spread_floor (in the metric's units: a metric usually 0 is not held to a width of 0)."""

    metric: Identifier = Field(description=(
        "a custom metric's name, or a stored whole-window metric's: `row_count`, "
        "`hours_since_last_prediction`, `drifted_share`, `pca_reconstruction_error`, a performance metric, "
        "`label_coverage`"))
    kind: str | None = Field(default=None, description=(
        "`custom`, `performance`, `estimated_performance`, `drift` or `data_quality`; found from the name "
        "unless two kinds store it"))
    direction: Literal["down", "up", "both"] = Field(default="both", description=(
        "`down`: below the expected range alerts; `up`: above it; `both`: either"))
    spread_floor: float = Field(default=0.0, ge=0, description=(
        "the spread is never below this, in the metric's units (a metric usually 0 has a spread of 0)"))

    @property
    def name(self) -> str:
        """The series' stored name, e.g. custom.refunds (metric of its kind series rows)."""
        return f"{self.kind}.{self.metric}"


def compute_series_sources(task: str, custom: list[str], labelled: bool) -> dict[str, tuple[str, ...]]:
    """Each kind's whole-window metrics a model of `task` stores (with its custom metrics' names;
    performance only with ground truth)."""
    sources = {"custom": tuple(custom), **ALWAYS}
    if labelled:
        sources["performance"] = (*compute_task_metrics(task), "label_coverage")
    sources["estimated_performance"] = compute_estimated_metrics(task)
    return sources


def compute_series_rules(rules: list[SeriesRule], sources: dict[str, tuple[str, ...]]) -> list[SeriesRule]:
    """The entries with their kind found (ValueError naming the entry's key: an unknown metric
    with a did-you-mean, a name that two kinds store without a kind, a series listed twice)."""
    found: list[SeriesRule] = []
    for i, rule in enumerate(rules):
        key = f"series.{i}"
        if rule.kind is not None and rule.kind not in sources:
            raise ValueError(f"{key}.kind: unknown kind {rule.kind!r}; choose from {', '.join(sources)}")
        kinds = [k for k, names in sources.items() if rule.metric in names
                 and (rule.kind is None or k == rule.kind)]
        if not kinds:
            names = sorted({n for k, ns in sources.items() if rule.kind in (None, k) for n in ns})
            close = difflib.get_close_matches(rule.metric, names, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f"; choose from {', '.join(names)}"
            where = f" of kind {rule.kind}" if rule.kind else ""
            raise ValueError(f"{key}.metric: unknown metric {rule.metric!r}{where} (a custom metric's "
                             f"name or a stored whole-window metric){hint}")
        if len(kinds) > 1:
            raise ValueError(f"{key}.kind: {rule.metric!r} is stored by {' and '.join(kinds)}; name one")
        rule = rule.model_copy(update={"kind": kinds[0]})
        if any(r.name == rule.name for r in found):
            raise ValueError(f"{key}.metric: {rule.name} is listed twice")
        found.append(rule)
    return found
