"""The baseline profile: what drift and data quality hold each window against, computed in the
warehouse once per baseline and kept in the store as monitoring/profiles/<hash>.parquet, keyed by
a hash of the baseline query, the columns, and the baseline's size, range and spread (a changed
baseline gets a new profile). Per column and per segment value: slot counts (see
monitors.histogram); per numerical column: bins, decile groups, standard deviation; per
categorical column: its values. Calibration (the null distribution of each score at a window
size) is added to the file as window sizes are met.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from monitors import histogram, store
from monitors.histogram import FINE_BINS, MAX_CATEGORIES, NUMERIC_SLOTS, Counts, Key, NumericBins
from monitors.scores import Shape

VERSION = 1


@dataclass
class Profile:
    key: str
    shapes: dict[str, Shape]
    values: dict[str, list[str]]  # categorical columns: the baseline's values, most frequent first
    slots: dict[Key, np.ndarray]
    rows: dict[str | None, int]
    null: dict[tuple[str | None, str, str, int], tuple[float, float]] = field(default_factory=dict)
    changed: bool = False  # null moments added since it was read

    def compute_slots(self, counts: Counts, key: Key) -> np.ndarray | None:
        """A window's slots for (segment, column), laid out as this profile's."""
        column = key[1]
        if column not in self.shapes:
            return None
        if self.shapes[column].numerical:
            return counts.slots.get(key)
        found = counts.categories.get(key)
        if found is None:
            return None
        return compute_category_slots(self.values[column], found)


def compute_category_slots(values: list[str], found: dict[str | None, int]) -> np.ndarray:
    index = {v: i for i, v in enumerate(values)}
    slots = np.zeros(len(values) + 2, dtype=np.int64)
    for value, n in found.items():
        slots[len(values) + 1 if value is None else index.get(value, len(values))] += n
    return slots


def compute_groups(fine: np.ndarray) -> tuple[int, ...]:
    """First fine bin of each baseline decile (fewer groups where values repeat)."""
    cumulative = np.cumsum(fine)
    total = cumulative[-1] if len(cumulative) else 0
    if total == 0:
        return (0,)
    cuts = [int(np.searchsorted(cumulative, total * k / 10, side="left")) + 1 for k in range(1, 10)]
    return tuple(sorted({0, *(c for c in cuts if 0 < c < FINE_BINS)}))


def compute_bins(low: float, high: float) -> NumericBins:
    width = (high - low) / FINE_BINS
    if not width > 0:  # a constant column: one value in bin 0, anything else outside
        width = max(abs(low), 1.0) * 1e-9
        high = low
    return NumericBins(low, width, high)


def compute_hash(parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:20]


def load_profile(engine: sa.Engine, query: sa.Select[Any], numerical: list[str],
                 categorical: list[str], segments: list[str], folder: Path) -> Profile:
    """The profile of the baseline `query` (its present columns), read from `folder` when this
    baseline was profiled before, computed in the warehouse otherwise."""
    source = query.subquery("baseline")
    with engine.connect() as conn:
        stats = histogram.load_column_stats(conn, source, numerical)
        compiled = query.compile(engine)
        # count, min and max are exact; a parallel standard deviation varies in its last digits
        summary = {c: (n, low, high, None if std is None else f"{std:.6g}")
                   for c, (n, low, high, std) in stats.items()}
        key = compute_hash([VERSION, FINE_BINS, MAX_CATEGORIES, str(compiled), compiled.params,
                     engine.url.render_as_string(hide_password=True), numerical, categorical,
                     segments, summary])
        path = folder / f"{key}.parquet"
        if path.exists():
            return load_profile_file(path)
        numeric = {c: compute_bins(s[1], s[2]) for c, s in stats.items()
                   if s[1] is not None and s[2] is not None}
        counts = histogram.load_counts(conn, source, numeric, categorical, segments)
    profile = compute_profile(key, counts, numeric, {c: s[3] or 0.0 for c, s in stats.items()},
                              categorical)
    write_profile(path, profile)
    return profile


def compute_profile(key: str, counts: Counts, numeric: dict[str, NumericBins],
                    std: dict[str, float], categorical: list[str]) -> Profile:
    shapes: dict[str, Shape] = {}
    values: dict[str, list[str]] = {}
    for column, bins in numeric.items():
        fine = counts.slots.get((None, column), np.zeros(NUMERIC_SLOTS, np.int64))[:FINE_BINS]
        shapes[column] = Shape(True, bins, std[column] or 1.0, compute_groups(fine))
    for column in categorical:
        found = counts.categories.get((None, column), {})
        ranked = sorted((v for v in found if v is not None), key=lambda v: (-found[v], v))
        values[column] = ranked[:MAX_CATEGORIES]
        shapes[column] = Shape(False)
    slots = dict(counts.slots)
    for (segment, column), found in counts.categories.items():
        slots[(segment, column)] = compute_category_slots(values[column], found)
    return Profile(key, shapes, values, slots, dict(counts.rows))


def write_profile(path: Path, profile: Profile) -> None:
    """The profile as one long table (segment, column_name, part, position, value, text), written
    to a temporary file and renamed over the old one."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows: list[tuple[str | None, str | None, str, int, float, str | None]] = []
    for column, shape in profile.shapes.items():
        rows.append((None, column, "shape", int(shape.numerical), shape.std, None))
        if shape.bins is not None:
            b = shape.bins
            rows += [(None, column, "bins", i, v, None) for i, v in enumerate((b.low, b.width, b.high))]
            rows += [(None, column, "group", i, float(g), None) for i, g in enumerate(shape.groups)]
    for column, names in profile.values.items():
        rows += [(None, column, "value", i, 0.0, v) for i, v in enumerate(names)]
    for (segment, column), slots in profile.slots.items():
        rows += [(segment, column, "count", int(i), float(slots[i]), None) for i in np.flatnonzero(slots)]
    rows += [(segment, None, "rows", 0, float(n), None) for segment, n in profile.rows.items()]
    rows += [(segment, column, f"null_{part}", size, moment, metric)
             for (segment, column, metric, size), moments in profile.null.items()
             for part, moment in zip(("mean", "var"), moments, strict=True)]
    names = ["segment", "column_name", "part", "position", "value", "text"]
    table = pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)}, schema=pa.schema([
        ("segment", pa.string()), ("column_name", pa.string()), ("part", pa.string()),
        ("position", pa.int64()), ("value", pa.float64()), ("text", pa.string())]))
    store.replace_file(path, lambda tmp: pq.write_table(table, tmp))


def load_profile_file(path: Path) -> Profile:
    import pyarrow.parquet as pq

    table = pq.read_table(path).to_pylist()
    by_part: dict[str, list[dict[str, Any]]] = {}
    for row in table:
        by_part.setdefault(row["part"], []).append(row)
    bins: dict[str, list[float]] = {}
    groups: dict[str, list[int]] = {}
    for r in sorted(by_part.get("bins", []), key=lambda r: r["position"]):
        bins.setdefault(r["column_name"], []).append(r["value"])
    for r in sorted(by_part.get("group", []), key=lambda r: r["position"]):
        groups.setdefault(r["column_name"], []).append(int(r["value"]))
    shapes = {}
    for r in by_part.get("shape", []):
        column = r["column_name"]
        numeric = bool(r["position"])
        shapes[column] = Shape(numeric, NumericBins(*bins[column]) if numeric else None,
                               r["value"], tuple(groups.get(column, ())))
    values: dict[str, list[str]] = {c: [] for c, s in shapes.items() if not s.numerical}
    for r in sorted(by_part.get("value", []), key=lambda r: r["position"]):
        values[r["column_name"]].append(r["text"])
    slots: dict[Key, np.ndarray] = {}
    for r in by_part.get("count", []):
        column = r["column_name"]
        size = NUMERIC_SLOTS if shapes[column].numerical else len(values[column]) + 2
        vector = slots.setdefault((r["segment"], column), np.zeros(size, np.int64))
        vector[r["position"]] = int(r["value"])
    rows = {r["segment"]: int(r["value"]) for r in by_part.get("rows", [])}
    null: dict[tuple[str | None, str, str, int], list[float]] = {}
    for part, i in (("null_mean", 0), ("null_var", 1)):
        for r in by_part.get(part, []):
            key = (r["segment"], r["column_name"], r["text"], r["position"])
            null.setdefault(key, [0.0, 0.0])[i] = r["value"]
    return Profile(path.stem, shapes, values, slots, rows,
                   {k: (v[0], v[1]) for k, v in null.items()})
