"""Glue between the warehouse queries and the counts drift and data quality use: the baseline's
profile (cached in the store) and a window's slot counts, both computed in the warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from monitors import frames, histogram, outcomes, profile, store, warehouse
from monitors.config import ModelConfig
from monitors.histogram import NUMERIC_SLOTS, Counts, NumericBins
from monitors.outcomes import Tally
from monitors.profile import Profile
from monitors.report import write_text

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Engine


def compute_profile_dir(config: ModelConfig) -> Path:
    return store.compute_data_dir(config.store_path) / "profiles"


def _selected(query: warehouse.Query) -> set[str]:
    return {c.name for c in query.select.selected_columns}


def load_baseline_profile(engine: Engine, config: ModelConfig,
                          query: warehouse.Query | None = None) -> Profile:
    """The baseline's profile (of `query`, the baseline's query, computed when not given): from
    the store when this baseline was profiled before. Its rows without labels are profiled, so
    the labels' as-of moment does not matter."""
    query = query or warehouse.compute_baseline_query(engine, config)
    present = _selected(query)
    p = config.predictions
    numerical = [c for c in dict.fromkeys([*p.features.numerical, p.score])
                 if c in present and query.columns.get(c) == "numeric"]
    categorical = [c for c in p.features.categorical if c in present]
    segments = [s for s in config.segments if s in present]
    return profile.load_profile(engine, query.features, numerical, categorical, segments,
                                compute_profile_dir(config))


def load_baseline_tallies(engine: Engine, config: ModelConfig, query: warehouse.Query,
                          baseline: Profile) -> dict[str | None, Tally]:
    """The baseline's outcome tallies, whole and per segment. When the labels are a column of the
    baseline table they are kept beside its profile, keyed by the profile, the task, the
    predictions and segments config and a summary of the label column (count, distinct values,
    min, max; the sum of numeric labels), so later runs do not count the baseline again. A
    baseline window's labels are still arriving: counted each run."""
    if not query.has_labels:
        return {}
    if config.baseline.window is not None:
        return load_tallies(engine, config, query.select, baseline)[0]
    import sqlalchemy as sa

    label = query.select.subquery("labelled").c[warehouse.LABEL]
    parts: list[Any] = [sa.func.count(label), sa.func.count(sa.distinct(label)),
                        sa.func.min(sa.cast(label, sa.String())),
                        sa.func.max(sa.cast(label, sa.String()))]
    numeric = query.columns.get(config.ground_truth.label if config.ground_truth else "") == "numeric"
    if numeric:
        parts.append(sa.func.sum(sa.cast(label, sa.Double())))
    compiled = query.select.compile(engine)
    with engine.connect() as conn:
        found = list(conn.execute(sa.select(*parts)).one())
    if numeric:  # a parallel sum varies in its last bits
        found[-1] = histogram.compute_stable_sum(found[-1])
    summary = [str(v) for v in found]
    key = profile.compute_hash([baseline.key, str(compiled), compiled.params, summary, config.task,
                                config.predictions.model_dump(mode="json"), config.segments])
    path = compute_profile_dir(config) / f"{baseline.key}.tallies-{key}.json"
    if path.exists():
        return load_tallies_file(path)
    tallies = load_tallies(engine, config, query.select, baseline)[0]
    write_tallies_file(path, tallies)
    return tallies


def write_profile_calibration(config: ModelConfig, baseline: Profile) -> None:
    """Keep null moments computed for new window sizes with the profile."""
    profile.write_profile(compute_profile_dir(config) / f"{baseline.key}.parquet", baseline)
    baseline.changed = False


def load_window_counts(engine: Engine, config: ModelConfig, query: warehouse.Query,
                       baseline: Profile) -> Counts:
    """The window's slot counts, whole and per segment, computed in the warehouse. A numerical
    column whose type changed (to text, say) is read alone and coerced to numbers."""
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
        counts = histogram.load_counts(conn, query.features.subquery("window_rows"), numerical,
                                       categorical, segments)
    if coerced:
        import sqlalchemy as sa

        source = query.features.subquery("coerced")
        select = sa.select(*(source.c[c] for c in [*coerced, *segments]))
        frame = frames.load_query(engine, config, warehouse.Query(
            select, query.table, [], False, {}, select)).data
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
    write_text(path, json.dumps(payload))


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


DEFAULT_SCORE_BINS = NumericBins(0.0, 1.0 / histogram.FINE_BINS, 1.0)
QUINTILE_GROUPS = (2, 4, 6, 8)  # of the baseline's deciles


def compute_score_bins(config: ModelConfig, baseline: Profile) -> NumericBins:
    shape = baseline.shapes.get(config.predictions.score)
    return shape.bins if shape is not None and shape.bins is not None else DEFAULT_SCORE_BINS


def compute_slices(config: ModelConfig, baseline: Profile, source: Any, tracing: bool
                   ) -> tuple[dict[str, Any], dict[str, str]]:
    """Slice expressions over `source` and a readable name per slice value: the segments; for
    tracing also every categorical column and quintiles of each numerical feature."""
    import sqlalchemy as sa

    p = config.predictions
    columns = [*config.segments, *(p.features.categorical if tracing else [])]
    exprs: dict[str, Any] = {c: sa.cast(source.c[c], sa.String()) for c in dict.fromkeys(columns)
                             if c in source.c}
    names: dict[str, str] = {}
    for column in p.features.numerical if tracing else []:
        shape = baseline.shapes.get(column)
        if shape is None or shape.bins is None or column not in source.c:
            continue
        b = shape.bins
        inner = sorted({b.low + shape.groups[k] * b.width for k in QUINTILE_GROUPS if k < len(shape.groups)})
        if not inner:
            continue
        x: Any = sa.cast(source.c[column], sa.Double())
        nan = histogram.compute_double_literal(float("nan"))
        cases: list[Any] = [(sa.or_(x.is_(None), x == nan), None)]
        cases += [(x < histogram.compute_double_literal(edge), k) for k, edge in enumerate(inner)]
        exprs[column] = sa.case(*cases, else_=len(inner))
        bounds = [float("-inf"), *inner, float("inf")]
        names.update({f"{column}={k}": f"{column} in [{bounds[k]:.4g}, {bounds[k + 1]:.4g})"
                      for k in range(len(bounds) - 1)})
    return exprs, names


def load_tallies(engine: Engine, config: ModelConfig, select: Any, baseline: Profile,
                 tracing: bool = False) -> tuple[dict[str | None, Tally], dict[str, str]]:
    """Outcome tallies of the rows of `select`: whole (key None) and per slice value; with the
    readable names of numerical slices."""
    if config.ground_truth is None:
        return {}, {}
    source = select.subquery("rows")
    slices, names = compute_slices(config, baseline, source, tracing)
    if warehouse.LABEL not in source.c:
        return {}, names
    with engine.connect() as conn:
        return outcomes.load_outcomes(conn, source, config, compute_score_bins(config, baseline),
                                      slices), names


def write_tallies_file(path: Path, tallies: dict[str | None, Tally]) -> None:
    """Tallies as JSON, for the Airflow stages and the baseline's cache."""
    import json

    payload = [[key, t.task, t.total, t.groups.tolist(), t.log_loss_sum,
                [[a, b, n] for (a, b), n in t.confusion.items()], t.sums]
               for key, t in tallies.items()]
    write_text(path, json.dumps(payload))


def load_tallies_file(path: Path) -> dict[str | None, Tally]:
    import json

    out = {}
    for key, task, total, groups, loss, confusion, sums in json.loads(path.read_text()):
        out[key] = Tally(task, total, np.array(groups, dtype=np.int64).reshape(-1, 4), loss,
                         {(a, b): n for a, b, n in confusion}, sums)
    return out
