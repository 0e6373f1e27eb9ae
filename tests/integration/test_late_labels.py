"""Late labels: daily runs pick up labels as they arrive, without reruns of old windows; no
performance alert while coverage is below the minimum; the stored realized metrics converge to
the full-label values."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from monitors.cli import main
from monitors.config import load_config
from monitors.testing import make_tables, write_config, write_duckdb_warehouse

from .helpers import stored

DAYS = 3
MAX_DELAY = 14


def _perf(config_path: Path) -> pd.DataFrame:
    rows = stored(load_config(config_path))
    return rows[(rows["kind"] == "performance") & rows["segment"].isna()]


def test_daily_runs_converge_to_the_full_label_metrics(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tables = make_tables(seed=21, days=DAYS, rows_per_day=1000, label_delay_max_days=MAX_DELAY)
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    # the daily runs go on past the data's last day (for its labels): those windows are empty,
    # which is not what this test is about
    daily = write_config(home, url, name="daily.yaml", checks=None, store="daily.duckdb",
                         series=[{"metric": "roc_auc", "kind": "performance", "seasonality": "none",
                                  "season_windows": 2}],
                         **{"ground_truth.timestamp": "labelled_at", "ground_truth.max_delay": f"{MAX_DELAY}d",
                            "volume.empty_is_alert": False})
    full = write_config(home, url, name="full.yaml", checks=None, store="full.duckdb",
                        **{"ground_truth.timestamp": "labelled_at"})
    # the truth: every label in, as of long after
    assert main(["run", str(full), "--start", "2026-01-01", "--end", f"2026-01-0{DAYS + 1}",
                 "--no-report", "--as-of", "2026-06-01"]) == 0
    truth = _perf(full).set_index(["window_start", "metric"])["value"]

    start = date(2026, 1, 1)
    seen_pending = False
    for day in range(DAYS + MAX_DELAY + 2):  # one run a day, as the scheduler would
        begin = start + timedelta(days=day)
        end = begin + timedelta(days=1)
        code = main(["run", str(daily), "--start", begin.isoformat(), "--end", end.isoformat(),
                     "--no-report", "--as-of", f"{end.isoformat()}T00:30"])
        assert code == 0  # never an alert: labels still arriving is not a broken rule
        perf = _perf(daily)
        coverage = perf[perf["metric"] == "label_coverage"].set_index("window_start")
        for window_start, row in coverage.iterrows():
            metrics = perf[(perf["window_start"] == window_start) & (perf["metric"] == "roc_auc")]
            if row["value"] is not None and row["value"] < 0.8:
                seen_pending = True
                assert (metrics["status"] == "skipped").all(), (day, window_start)
    assert seen_pending
    assert "refreshed the realized performance of" in capsys.readouterr().out

    final = _perf(daily).set_index(["window_start", "metric"])["value"]
    windows = truth.index.get_level_values(0).unique()
    assert len(windows) == DAYS
    for metric in ("label_coverage", "roc_auc", "f1", "accuracy", "log_loss"):
        for window_start in windows:
            assert final[(window_start, metric)] == pytest.approx(truth[(window_start, metric)]), (metric, window_start)
    statuses = _perf(daily).query("metric == 'roc_auc'")["status"]
    assert set(statuses.dropna()) == {"ok"}  # matured: judged, and fine
    # the series rule on roc_auc was judged again as its labels came in: from the third window on,
    # on the final value, against the final values of the windows before it
    series = stored(load_config(daily)).query("kind == 'series'").set_index("window_start")
    judged = series.loc[windows[2:]]
    assert list(judged["status"]) == ["ok"] * (DAYS - 2)
    assert list(judged["value"]) == pytest.approx([truth[(w, "roc_auc")] for w in windows[2:]])
    assert list(series.loc[windows[:2], "status"]) == ["skipped", "skipped"]  # learning: 0 and 1 of 2


def test_a_drop_found_through_late_labels_alerts(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tables = make_tables(seed=22, days=12, rows_per_day=1500, label_delay_days=3.0, drop_from_day=0)
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    config = write_config(home, url, checks=None, segments=[],
                          **{"ground_truth.timestamp": "labelled_at", "ground_truth.max_delay": "5d"})
    # the window runs before any of its labels arrived: performance is not judged yet
    assert main(["run", str(config), "--start", "2026-01-01", "--end", "2026-01-02", "--no-report",
                 "--as-of", "2026-01-02T00:30"]) == 0
    roc = _perf(config).query("metric == 'roc_auc'")
    assert list(roc["status"]) == ["skipped"]
    capsys.readouterr()
    # a later run picks up its labels (all arrived 3 days after the prediction): the drop breaks
    # roc_auc; the run says so for the earlier window and exits 1
    assert main(["run", str(config), "--start", "2026-01-05", "--end", "2026-01-06", "--no-report",
                 "--as-of", "2026-01-06T00:30"]) == 1
    out = capsys.readouterr().out
    assert "refreshed the realized performance of 1 earlier window(s)" in out
    assert "[1/1] credit_risk [2026-01-05 00:00, 2026-01-06 00:00) UTC: ok" in out  # its own: pending
    head = "late labels: model credit_risk, window [2026-01-01 00:00, 2026-01-02 00:00) UTC:"
    assert head in out
    message = out[out.index(head):]
    assert re.search(r"performance roc_auc = 0\.\d+ \(bound: >= 0\.\d+\)", message), message
    perf = _perf(config)
    stored_roc = perf[(perf["metric"] == "roc_auc") & (perf["window_start"] == pd.Timestamp("2026-01-01"))]
    assert list(stored_roc["status"]) == ["alert"]
    # once reported, the same broken rule is not reported again by the next refresh
    assert main(["run", str(config), "--start", "2026-01-06", "--end", "2026-01-07", "--no-report",
                 "--as-of", "2026-01-07T00:30"]) == 0
    assert "late labels" not in capsys.readouterr().out
