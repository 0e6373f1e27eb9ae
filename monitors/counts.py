"""Glue between the warehouse queries and the counts drift and data quality use: the baseline's
profile (cached in the store) and a window's slot counts, both computed in the warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from monitors import histogram, profile, store, warehouse
from monitors.config import ModelConfig
from monitors.histogram import NUMERIC_SLOTS, Counts, NumericBins
from monitors.profile import Profile

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine


def compute_profile_dir(config: ModelConfig) -> Path:
    return store.compute_data_dir(config.store_path) / "profiles"


def _selected(query: warehouse.Query) -> set[str]:
    return {c.name for c in query.select.selected_columns}


def load_baseline_profile(engine: Engine, config: ModelConfig) -> Profile:
    """The baseline's profile: from the store when this baseline was profiled before."""
    query = warehouse.compute_baseline_query(engine, config)
    present = _selected(query)
    p = config.predictions
    numerical = [c for c in dict.fromkeys([*p.features.numerical, p.score])
                 if c in present and query.columns.get(c) == "numeric"]
    categorical = [c for c in p.features.categorical if c in present]
    segments = [s for s in config.segments if s in present]
    return profile.load_profile(engine, query.select, numerical, categorical, segments,
                                compute_profile_dir(config))


def write_profile_calibration(config: ModelConfig, baseline: Profile) -> None:
    """Keep null moments computed for new window sizes with the profile."""
    profile.write_profile(compute_profile_dir(config) / f"{baseline.key}.parquet", baseline)
    baseline.changed = False


def load_window_counts(engine: Engine, config: ModelConfig, query: warehouse.Query,
                       baseline: Profile, frame: pd.DataFrame | None = None) -> Counts:
    """The window's slot counts, whole and per segment, computed in the warehouse. A numerical
    column whose type changed (to text, say) is counted from `frame`, its values coerced."""
    present = _selected(query)
    numerical: dict[str, NumericBins] = {}
    coerced: dict[str, NumericBins] = {}
    for column, shape in baseline.shapes.items():
        if shape.numerical and shape.bins is not None and column in present:
            target = numerical if query.columns.get(column) == "numeric" else coerced
            target[column] = shape.bins
    categorical = [c for c, s in baseline.shapes.items() if not s.numerical and c in present]
    segments = [s for s in config.segments if s in present]
    with engine.connect() as conn:
        counts = histogram.load_counts(conn, query.select.subquery("window_rows"), numerical,
                                       categorical, segments)
    if coerced and frame is not None:
        found = compute_frame_counts(frame, coerced, [], segments)
        counts.slots.update(found.slots)
        counts.outside_sums.update(found.outside_sums)
    return counts


def compute_frame_counts(frame: pd.DataFrame, numerical: dict[str, NumericBins],
                         categorical: list[str], segments: list[str]) -> Counts:
    """The counts load_counts computes in the warehouse, from rows in pandas (numbers coerced):
    for columns whose type changed, for tests, and for profiles of frames."""
    import pandas as pd

    out = Counts()
    parts: list[tuple[str | None, np.ndarray]] = [(None, np.ones(len(frame), bool))]
    for s in segments:
        values = frame[s].astype("string")
        parts += [(f"{s}={v}", (values == v).fillna(False).to_numpy(bool))
                  for v in values.dropna().unique()]
    for segment, mask in parts:
        out.rows[segment] = int(mask.sum())
    for column, bins in numerical.items():
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
        codes = histogram.compute_bin_codes(values, bins)
        for segment, mask in parts:
            out.slots[(segment, column)] = np.bincount(codes[mask], minlength=NUMERIC_SLOTS)
            part = values[mask]
            finite = part[np.isfinite(part)]
            out.outside_sums[(segment, column)] = (float(finite[finite < bins.low].sum()),
                                                   float(finite[finite > bins.high].sum()))
    for column in categorical:
        text = frame[column].astype("string")
        for segment, mask in parts:
            if segment is not None and segment.split("=", 1)[0] == column:
                continue
            found = text[mask].value_counts(dropna=False)
            out.categories[(segment, column)] = {
                (None if pd.isna(v) else str(v)): int(n) for v, n in found.items()}
    return out


def write_counts_file(path: Path, window_counts: Counts) -> None:
    """Counts as JSON (non-zero slots only), for the Airflow stages."""
    import json

    def key(k: tuple[str | None, str]) -> list[str | None]:
        return [k[0], k[1]]

    payload = {
        "rows": [[s, n] for s, n in window_counts.rows.items()],
        "slots": [[key(k), {str(i): int(v[i]) for i in np.flatnonzero(v)}]
                  for k, v in window_counts.slots.items()],
        "categories": [[key(k), [[value, n] for value, n in found.items()]]
                       for k, found in window_counts.categories.items()],
        "outside_sums": [[key(k), list(v)] for k, v in window_counts.outside_sums.items()],
    }
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload))
    tmp.replace(path)


def load_counts_file(path: Path) -> Counts:
    import json

    payload = json.loads(path.read_text())
    out = Counts(rows={s: int(n) for s, n in payload["rows"]})
    for (segment, column), nonzero in payload["slots"]:
        vector = np.zeros(NUMERIC_SLOTS, np.int64)
        for i, n in nonzero.items():
            vector[int(i)] = n
        out.slots[(segment, column)] = vector
    for (segment, column), pairs in payload["categories"]:
        out.categories[(segment, column)] = {value: int(n) for value, n in pairs}
    for (segment, column), sums in payload["outside_sums"]:
        out.outside_sums[(segment, column)] = (float(sums[0]), float(sums[1]))
    return out


def load_profile_by_key(config: ModelConfig, key: str) -> Profile:
    return profile.load_profile_file(compute_profile_dir(config) / f"{key}.parquet")
