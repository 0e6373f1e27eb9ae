"""Performance tracing: when a realized performance rule breaks, which slice is it?

Slices are the values of the segment and categorical columns and quintile bins of the numerical
features (edges from the baseline's profile), one column at a time, counted in the warehouse.
Each slice's drop is its metric in the baseline minus its metric in the window (reversed for
error metrics); its contribution is the drop times the slice's share of the window's labelled
rows. The top slices are stored as rows of kind `tracing` (one row each for contribution,
slice_value, slice_baseline, slice_share, slice_rows; segment names the slice), and lead the
window page and the alert message.
"""

from __future__ import annotations

from monitors.compute.performance import compute_metrics
from monitors.core.kinds import Kind
from monitors.core.measurement import Measurement, clean_value
from monitors.core.metrics import METRICS
from monitors.core.tallies import Tally

TOP_SLICES = 5
MIN_SLICE_LABELS = 30
FIELDS = ("contribution", "slice_value", "slice_baseline", "slice_share", "slice_rows")


def compute_tracing_rows(current: dict[str | None, Tally], reference: dict[str | None, Tally],
                         names: dict[str, str], metric: str) -> list[Measurement]:
    """The top slices by contribution to the drop of `metric`, from the tallies of the window and
    of the baseline per slice (warehouse.outcomes.load_tallies with tracing)."""
    whole = current.get(None)
    if whole is None or whole.labelled == 0:
        return []
    found = []
    for key, cur in current.items():
        ref = reference.get(key)
        if key is None or ref is None:
            continue
        if cur.labelled < MIN_SLICE_LABELS or ref.labelled < MIN_SLICE_LABELS:
            continue
        value, base = compute_metrics(cur).get(metric), compute_metrics(ref).get(metric)
        if value is None or base is None:
            continue
        drop = (value - base) if METRICS[metric].relative_bound else (base - value)
        share = cur.labelled / whole.labelled
        found.append((drop * share, key.split("=", 1)[0], names.get(key, key), value, base, share,
                      cur.labelled))
    found.sort(key=lambda item: -item[0])
    rows = []
    for contribution, column, label, value, base, share, n in found[:TOP_SLICES]:
        for name, number in zip(FIELDS, (contribution, value, base, share, float(n)), strict=True):
            rows.append(Measurement(Kind.TRACING, f"{metric}_{name}", clean_value(number), None, "ok",
                                    column, label))
    return rows

