"""Segments are judged: drift confined to one segment value alerts on that segment only, with a
bound calibrated to the segment's size; a segment smaller than min_segment_rows is measured and
marked skipped, never alerted."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitors.cli import main
from monitors.config import load_config
from monitors.testing import make_tables, write_config, write_duckdb_warehouse

from .helpers import stored

RUN = ["--start", "2026-01-01", "--end", "2026-01-02", "--no-report", "--as-of", "2026-03-01"]


def _warehouse(home: Path) -> str:
    tables = make_tables(seed=21, days=1, rows_per_day=3000, training_rows=6000)
    predictions = tables["predictions"]
    eu = predictions["region"] == "EU"
    predictions.loc[eu, "income"] = predictions.loc[eu, "income"] * 1.6  # only EU incomes move
    return write_duckdb_warehouse(home / "warehouse.duckdb", tables)


def test_drift_in_one_segment_alerts_on_that_segment_only(home: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    config_path = write_config(home, _warehouse(home), checks=None)
    main(["run", str(config_path), *RUN])
    out = capsys.readouterr().out
    assert "drift wasserstein of income [region=EU] = " in out
    rows = stored(load_config(config_path))
    income = rows[(rows["kind"] == "drift") & (rows["metric"] == "wasserstein")
                  & (rows["column_name"] == "income") & rows["segment"].notna()].set_index("segment")
    assert income.loc["region=EU", "status"] == "alert"
    assert set(income.drop(index=["region=EU"])["status"]) == {"ok"}
    assert len(income) == 4
    eu, na = income.loc["region=EU"], income.loc["region=NA"]
    assert eu["threshold"] >= 0.1 and na["threshold"] >= 0.1  # never below the floor
    sizes = rows[(rows["metric"] == "row_count")]
    assert sizes["value"].item() == 3000


def test_small_segments_are_skipped_not_alerted(home: Path) -> None:
    config_path = write_config(home, _warehouse(home), checks=None, min_segment_rows=5000)
    main(["run", str(config_path), *RUN])
    rows = stored(load_config(config_path))
    segment_rows = rows[rows["segment"].notna() & rows["kind"].isin(["drift", "performance"])]
    judged = segment_rows[segment_rows["threshold"].notna() | (segment_rows["status"] != "ok")]
    assert len(judged) > 0 and set(judged["status"]) == {"skipped"}
    assert not segment_rows["status"].eq("alert").any()
    whole = rows[rows["segment"].isna() & (rows["column_name"] == "income")
                 & (rows["metric"] == "wasserstein")]
    assert whole["value"].item() > 0.1 and whole["status"].item() == "alert"  # the whole window judged
