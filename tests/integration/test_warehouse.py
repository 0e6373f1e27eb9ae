"""The window's query on DuckDB and PostgreSQL: the latest row per prediction id wins, and its
latest label that had arrived by --as-of; without repeated ids the query is a plain scan."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest

from monitors.config import ModelConfig
from monitors.core.fields import LABEL
from monitors.testing import make_tables, make_window_bounds
from monitors.warehouse.engine import create_warehouse_engine
from monitors.warehouse.queries import Query, _load_predictions_query

from .helpers import Build

ROWS = 300
LABELLED = {"ground_truth.timestamp": "labelled_at"}


def _read(config: ModelConfig, as_of_days: float
          ) -> tuple[Query, pd.DataFrame, pd.DataFrame]:
    engine = create_warehouse_engine(config)
    try:
        start, end = make_window_bounds(0)
        query = _load_predictions_query(engine, config, start, end,
                                             end + timedelta(days=as_of_days))
        with engine.connect() as conn:
            rows = pd.read_sql(query.select, conn).set_index("prediction_id").sort_index()
            features = pd.read_sql(query.features, conn).set_index("prediction_id").sort_index()
    finally:
        engine.dispose()
    return query, rows, features


def _expected(tables: dict[str, pd.DataFrame], as_of_days: float) -> pd.DataFrame:
    """What the query must give, in pandas: the window's latest row per id, its latest label
    that arrived by the as-of moment."""
    start, end = (t.replace(tzinfo=None) for t in make_window_bounds(0))
    p = tables["predictions"]
    p = p[(p["predicted_at"] >= start) & (p["predicted_at"] < end)]
    p = p.sort_values("predicted_at").groupby("prediction_id").tail(1).set_index("prediction_id")
    o = tables["outcomes"]
    o = o[o["labelled_at"] <= end + timedelta(days=as_of_days)]
    latest = o.sort_values("labelled_at").groupby("prediction_id").tail(1).set_index("prediction_id")
    return p.assign(**{LABEL: latest["defaulted"].reindex(p.index)}).sort_index()


def test_unique_ids_give_a_plain_scan_with_labels(warehouse: Build) -> None:
    tables = make_tables(seed=31, days=2, rows_per_day=ROWS, label_delay_max_days=4)
    config = warehouse(tables, **LABELLED)
    query, rows, features = _read(config, as_of_days=1)
    expected = _expected(tables, as_of_days=1)
    assert len(rows) == ROWS and 0 < rows[LABEL].notna().sum() < ROWS  # some not arrived yet
    pd.testing.assert_series_equal(rows[LABEL].astype("Float64"), expected[LABEL].astype("Float64"))
    assert rows["score"].tolist() == expected["score"].tolist()
    assert "row_number" not in str(query.select).lower()  # no window function to pay
    pd.testing.assert_frame_equal(features, rows.drop(columns=[LABEL]))


@pytest.mark.parametrize("repeated", ["predictions", "labels", "both"])
def test_latest_row_and_latest_arrived_label_win(warehouse: Build, repeated: str) -> None:
    tables = make_tables(seed=32, days=2, rows_per_day=ROWS, label_delay_days=0.5)
    p, o = tables["predictions"], tables["outcomes"]
    if repeated in ("predictions", "both"):  # a rescored prediction: the later row wins
        later = p.iloc[:20].copy()
        later["predicted_at"] += pd.Timedelta(minutes=1)
        later["score"] = 0.999
        tables["predictions"] = pd.concat([p, later], ignore_index=True)
    if repeated in ("labels", "both"):
        fixed = o.iloc[10:40].copy()  # corrected labels, arrived a day later: they win
        fixed["defaulted"] = 1 - fixed["defaulted"]
        fixed["labelled_at"] += pd.Timedelta(days=1)
        too_late = o.iloc[50:60].copy()  # corrections that arrive after the as-of moment
        too_late["defaulted"] = 1 - too_late["defaulted"]
        too_late["labelled_at"] += pd.Timedelta(days=30)
        tables["outcomes"] = pd.concat([o, fixed, too_late], ignore_index=True)
    config = warehouse(tables, **LABELLED)
    query, rows, features = _read(config, as_of_days=3)
    expected = _expected(tables, as_of_days=3)
    assert len(rows) == ROWS and rows.index.is_unique
    assert rows["score"].tolist() == expected["score"].tolist()
    pd.testing.assert_series_equal(rows[LABEL].astype("Float64"), expected[LABEL].astype("Float64"))
    if repeated != "predictions":
        original = o.set_index("prediction_id")["defaulted"]
        flipped = rows[LABEL] != original.reindex(rows.index)
        assert flipped.sum() == 30 and set(flipped[flipped].index) == set(o["prediction_id"].iloc[10:40])
    assert (rows["score"] == 0.999).sum() == (20 if repeated != "labels" else 0)
    pd.testing.assert_frame_equal(features, rows.drop(columns=[LABEL]))
