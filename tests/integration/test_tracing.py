"""Performance tracing: a drop confined to one segment is ranked first, stored as rows of kind
tracing, and leads the alert message and the window page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from monitors.cli import main
from monitors.config import load_config
from monitors.testing import make_tables, write_config, write_duckdb_warehouse

from .helpers import stored


def test_a_drop_in_one_segment_is_ranked_first(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tables = make_tables(seed=41, days=1, rows_per_day=3000)
    predictions, outcomes = tables["predictions"], tables["outcomes"]
    eu = predictions["region"] == "EU"
    rng = np.random.default_rng(5)  # in EU the labels no longer follow the model at all
    outcomes.loc[eu.to_numpy(), "defaulted"] = rng.integers(0, 2, int(eu.sum()))
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    config_path = write_config(home, url, checks=None, **{"report.evidently": False})
    assert main(["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-02",
                 "--as-of", "2026-03-01"]) == 1
    out = capsys.readouterr().out
    assert "performance roc_auc = " in out
    assert "where the performance dropped most (slices by contribution):" in out
    first = out.split("where the performance dropped most (slices by contribution):\n")[1].splitlines()[0]
    assert first.strip().startswith("1. region=EU: roc_auc ")

    rows = stored(load_config(config_path))
    traced = rows[rows["kind"] == "tracing"]
    contributions = traced[traced["metric"] == "roc_auc_contribution"].sort_values("value", ascending=False)
    assert contributions["segment"].iloc[0] == "region=EU"
    assert len(contributions) == 5
    eu_rows = traced[traced["segment"] == "region=EU"].set_index("metric")["value"]
    assert eu_rows["roc_auc_slice_value"] < 0.6 < eu_rows["roc_auc_slice_baseline"]
    assert 0.3 < eu_rows["roc_auc_slice_share"] < 0.4
    page = (home / "reports" / "credit_risk" / "2026-01-01T0000Z" / "index.html").read_text()
    assert page.index("Where performance dropped") < page.index("<h2 id=\"checks\">")


def _dropped(home: Path, **overrides: object) -> Path:
    tables = make_tables(seed=41, days=1, rows_per_day=3000, drop_from_day=0)
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    return write_config(home, url, checks=None, segments=[], **overrides)


def test_a_window_is_not_lost_when_tracing_fails(home: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from monitors.core.errors import WarehouseError
    from monitors.run import window

    def fail(*_: object) -> None:
        raise WarehouseError("model credit_risk: Out of Memory Error: could not allocate block")

    monkeypatch.setattr(window, "load_tracing_rows", fail)
    config_path = _dropped(home, **{"report.evidently": False})
    assert main(["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-02",
                 "--as-of", "2026-03-01", "--no-report"]) == 1
    assert "performance roc_auc = " in capsys.readouterr().out  # the rule is still reported
    rows = stored(load_config(config_path))
    assert rows.query("kind == 'performance' and metric == 'roc_auc'")["status"].item() == "alert"
    skipped = rows.query("kind == 'tracing'")
    assert list(skipped["metric"]) == ["roc_auc_tracing"] and list(skipped["status"]) == ["skipped"]


def test_a_window_is_not_lost_when_its_report_fails(home: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from monitors.run import report

    def fail(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "write_evidently_report", fail)  # in the process it is rendered in
    config_path = _dropped(home)
    assert main(["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-02",
                 "--as-of", "2026-03-01"]) == 1  # the alert's exit code: the report is a warning
    out, err = capsys.readouterr()
    assert "performance roc_auc = " in out.split("reports:")[0]  # the alert, printed before the report
    assert "warning: model credit_risk, window [2026-01-01 00:00, 2026-01-02 00:00) UTC: the report " \
           "failed (the results are stored): OSError: [Errno 28] No space left on device" in err
    assert stored(load_config(config_path))["window_start"].nunique() == 1
