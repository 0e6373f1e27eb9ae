"""The baseline's cache in the store, under monitoring/profiles/: its profile (one long Parquet
table readable in DuckDB, keyed by core.profile.compute_profile_key), its outcome tallies
(JSON, keyed also by a summary of the label column) and the report's seeded sample of it.
Deleting the folder makes the next run profile the baseline again."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from monitors.config import ModelConfig
from monitors.core.counts import NUMERIC_SLOTS, Key, NumericBins
from monitors.core.location import Location
from monitors.core.multivariate import PcaModel
from monitors.core.profile import Profile, Shape
from monitors.core.tallies import Tally
from monitors.storage.codecs import tallies_from_json, tallies_json
from monitors.storage.files import load_frame, load_table, load_text, write_frame, write_table, write_text
from monitors.storage.results import store_data_dir

if TYPE_CHECKING:
    import pandas as pd


def profile_dir(config: ModelConfig) -> Location:
    return store_data_dir(config.store_path) / "profiles"


def profile_file(config: ModelConfig, key: str) -> Location:
    return profile_dir(config) / f"{key}.parquet"


def load_cached_profile(config: ModelConfig, key: str) -> Profile | None:
    table = load_table(profile_file(config, key))
    return None if table is None else profile_from_table(key, table)


def write_profile_calibration(config: ModelConfig, baseline: Profile) -> None:
    """Keep null moments computed for new window sizes with the profile."""
    write_profile(profile_file(config, baseline.key), baseline)


def tallies_file(config: ModelConfig, profile_key: str, key: str) -> Location:
    return profile_dir(config) / f"{profile_key}.tallies-{key}.json"


def load_cached_tallies(path: Location) -> dict[str | None, Tally] | None:
    text = load_text(path)
    return None if text is None else tallies_from_json(text)


def write_tallies(path: Location, tallies: dict[str | None, Tally]) -> None:
    write_text(path, tallies_json(tallies))


def pca_file(config: ModelConfig, profile_key: str) -> Location:
    return profile_dir(config) / f"{profile_key}.pca-v4.json"


def load_cached_pca(path: Location) -> PcaModel | None:
    text = load_text(path)
    if text is None:
        return None
    found = json.loads(text)
    nested = ("components", "categories", "rest")
    return PcaModel(**{**found, **{k: tuple(found[k]) for k in ("columns", "means", "scales")},
                       **{k: tuple(tuple(c) for c in found[k]) for k in nested}})


def write_pca(path: Location, model: PcaModel) -> None:
    write_text(path, json.dumps(dataclasses.asdict(model)))


def sample_file(config: ModelConfig, profile_key: str, size: int) -> Location:
    return profile_dir(config) / f"{profile_key}.sample-{size}.parquet"


def load_cached_sample(path: Location) -> pd.DataFrame | None:
    return load_frame(path)


def write_sample(path: Location, sample: pd.DataFrame) -> None:
    write_frame(path, sample)


def write_profile(path: Location, profile: Profile) -> None:
    """The profile as one long table (segment, column_name, part, position, value, text), written
    to a temporary file and renamed over the old one."""
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
    write_table(path, table)


def profile_from_table(key: str, found: pa.Table) -> Profile:
    """The profile from its long table (write_profile's)."""
    table = found.to_pylist()
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
            moment = (r["segment"], r["column_name"], r["text"], r["position"])
            null.setdefault(moment, [0.0, 0.0])[i] = r["value"]
    return Profile(key, shapes, values, slots, rows,
                   {k: (v[0], v[1]) for k, v in null.items()})
