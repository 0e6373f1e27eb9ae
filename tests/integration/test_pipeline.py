"""End to end on a seeded DuckDB warehouse: CLI -> warehouse -> checks -> drift -> performance
-> store -> report."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from monitors.cli import main
from monitors.config import load_config
from monitors.storage.results import COLUMNS
from monitors.testing import make_tables, write_config, write_duckdb_warehouse

from .helpers import stored, write_suite_for


def test_clean_history_passes_and_stores_every_kind(home: Path, duckdb_warehouse: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    config_path = write_config(home, duckdb_warehouse)
    write_suite_for(load_config(config_path))
    code = main(["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-05",
                 "--no-report", "--as-of", "2026-03-01"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.count("credit_risk [2026-01-0") == 4 and "[4/4]" in out
    rows = stored(load_config(config_path))
    assert rows["window_start"].nunique() == 4
    whole = rows[rows["segment"].isna()]
    assert set(whole["kind"]) == {"schema", "data_quality", "drift", "performance",
                                  "baseline_performance", "estimated_performance"}
    assert (rows["status"] != "alert").all()
    day1 = whole[whole["window_start"] == pd.Timestamp("2026-01-01")]
    assert day1.query("metric == 'row_count'")["value"].item() == 1500
    assert day1.query("metric == 'wasserstein' and column_name == 'income'")["value"].item() < 0.1
    auc = day1.query("kind == 'performance' and metric == 'roc_auc'")
    base = day1.query("kind == 'baseline_performance' and metric == 'roc_auc'")["value"].item()
    assert auc["threshold"].item() == pytest.approx(base - 0.05)
    assert 0.75 < auc["value"].item() < 0.95
    assert set(rows["segment"].dropna()) == {"region=EU", "region=NA", "region=APAC", "region=LATAM"}


def test_view_has_exactly_the_design_columns(home: Path, duckdb_warehouse: str) -> None:
    config_path = write_config(home, duckdb_warehouse, checks=None)
    assert main(["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-02",
                 "--no-report"]) in (0, 1)
    with duckdb.connect(str(home / "monitoring.duckdb"), read_only=True) as con:
        described = con.execute("DESCRIBE monitor_results").fetchall()
        count = con.execute("SELECT count(*) FROM monitor_results").fetchone()
    assert [(name, type_) for name, type_, *_ in described] == [(n, t) for n, t, _ in COLUMNS]
    assert count is not None and count[0] > 20
    assert list((home / "monitoring" / "results" / "model=credit_risk").glob("*.parquet")) == [
        home / "monitoring/results/model=credit_risk/window_start=2026-01-01T00:00:00Z.parquet"]


def test_rerun_leaves_the_same_rows(home: Path, duckdb_warehouse: str) -> None:
    config_path = write_config(home, duckdb_warehouse, checks=None)
    args = ["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-04", "--no-report",
            "--as-of", "2026-03-01"]
    main(args)
    first = stored(load_config(config_path))
    main(args)
    main(["run", str(config_path), "--start", "2026-01-02", "--end", "2026-01-03", "--no-report",
          "--as-of", "2026-03-01"])  # a sub-range again
    second = stored(load_config(config_path))
    pd.testing.assert_frame_equal(first, second)


def test_messages_say_whether_an_alert_is_new_or_ongoing(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = write_duckdb_warehouse(home / "warehouse.duckdb",
                                 make_tables(seed=2, days=4, rows_per_day=1500, drift_from_day=2))
    config_path = write_config(home, url, checks=None, segments=[])
    assert main(["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-05", "--no-report",
                 "--as-of", "2026-03-01", "--jobs", "2"]) == 1
    out = capsys.readouterr().out
    third = out[out.index("window [2026-01-03 00:00"):out.index("window [2026-01-04 00:00")]
    fourth = out[out.index("window [2026-01-04 00:00"):]
    assert re.search(r"  - NEW drift wasserstein of income = 0\.\d+", third), third
    assert re.search(r"  - ONGOING since 2026-01-03 \(2 windows\) drift wasserstein of income = ", fourth), fourth
    assert "report:" not in out.split("\n\n", 1)[1]  # --no-report: no page to point at


def test_drift_breaks_the_window_and_the_message_names_it(home: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    url = write_duckdb_warehouse(home / "warehouse.duckdb", make_tables(seed=2, days=3, rows_per_day=1500, drift_from_day=2))
    config_path = write_config(home, url, checks=None)
    code = main(["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-04",
                 "--no-report", "--as-of", "2026-03-01"])
    out = capsys.readouterr().out
    assert code == 1
    assert "2026-01-01 00:00, 2026-01-02 00:00) UTC: ok" in out
    assert "model credit_risk, window [2026-01-03 00:00, 2026-01-04 00:00) UTC" in out
    assert re.search(r"drift wasserstein of income = 0\.\d+ \(bound: < 0\.1\d*\)", out), out
    rows = stored(load_config(config_path))
    alerts = rows[(rows["status"] == "alert")]
    assert set(alerts["window_start"]) == {pd.Timestamp("2026-01-03")}
    assert {"income", "debt_ratio"} <= set(alerts["column_name"].dropna())
    assert not {"age", "region", "product"} & set(alerts["column_name"].dropna())
    # the alert's life: open since the drift began
    assert main(["alerts", str(config_path), "--open"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(re.fullmatch(r"OPEN since 2026-01-03 \(1 window\): drift wasserstein of income = 0\.\d+ "
                            r"\(bound: < 0\.1\d*\)", line) for line in lines), lines
    assert lines[-1] == f"{len(lines) - 1} open alert episode(s) of model credit_risk"


def test_reader_holding_the_catalog_open_does_not_block_a_run(home: Path, duckdb_warehouse: str) -> None:
    config_path = write_config(home, duckdb_warehouse, checks=None)
    base = ["run", str(config_path), "--no-report", "--as-of", "2026-03-01"]
    assert main([*base, "--start", "2026-01-01", "--end", "2026-01-02"]) == 0
    reader = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb,sys,time\n"
         f"con = duckdb.connect({str(home / 'monitoring.duckdb')!r})\n"
         "print(con.execute('select count(distinct window_start) from monitor_results').fetchone()[0],"
         " flush=True)\n"
         "sys.stdin.readline()\n"
         "print(con.execute('select count(distinct window_start) from monitor_results').fetchone()[0],"
         " flush=True)\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdin is not None
        assert reader.stdout.readline().strip() == "1"
        assert main([*base, "--start", "2026-01-02", "--end", "2026-01-04"]) == 0
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "3"  # the open reader sees the new windows
    finally:
        reader.kill()
        reader.wait()


def test_results_command_formats(home: Path, duckdb_warehouse: str, capsys: pytest.CaptureFixture[str]) -> None:
    config_path = write_config(home, duckdb_warehouse, checks=None)
    main(["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-02", "--no-report"])
    capsys.readouterr()
    assert main(["results", str(config_path), "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {r["model"] for r in records} == {"credit_risk"}
    assert set(records[0]) == {n for n, _, _ in COLUMNS}
    assert main(["results", str(config_path)]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header == ",".join(n for n, _, _ in COLUMNS)


def test_results_command_filters_and_survives_a_closed_pipe(home: Path, duckdb_warehouse: str,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    config_path = write_config(home, duckdb_warehouse, checks=None)
    main(["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-04", "--no-report"])
    everything = stored(load_config(config_path))
    capsys.readouterr()
    assert main(["results", str(config_path), "--format", "json", "--start", "2026-01-02", "--end",
                 "2026-01-03", "--kind", "drift", "--kind", "performance", "--status", "ok"]) == 0
    records = pd.DataFrame(json.loads(capsys.readouterr().out))
    expected = everything[(everything["window_start"] == pd.Timestamp("2026-01-02"))
                          & everything["kind"].isin(["drift", "performance"]) & (everything["status"] == "ok")]
    assert len(records) == len(expected) > 50
    assert set(records["window_start"]) == {"2026-01-02T00:00:00.000"}
    assert set(records["kind"]) == {"drift", "performance"} and set(records["status"]) == {"ok"}
    # a reader that stops after a line (`| head -1`) ends it quietly, with success
    shell = f"{sys.executable} -m monitors.cli results {config_path} | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", shell], cwd=home, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.startswith("model,window_start") and done.stderr == "" and done.returncode == 0


def test_reports_are_written_with_one_shared_evidently_bundle(home: Path, duckdb_warehouse: str) -> None:
    config_path = write_config(home, duckdb_warehouse, checks=None, **{"report.evidently": True})  # always
    assert main(["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-03",
                 "--as-of", "2026-03-01"]) == 0
    reports = home / "reports"
    assert 'href="credit_risk/index.html"' in (reports / "index.html").read_text()
    model_page = (reports / "credit_risk" / "index.html").read_text()
    assert 'href="2026-01-01T0000Z/index.html"' in model_page
    assert 'href="2026-01-02T0000Z/index.html"' in model_page
    bundles = list((reports / "assets").glob("evidently-*.js"))
    assert len(bundles) == 1 and bundles[0].stat().st_size > 1_000_000
    for day in ("2026-01-01T0000Z", "2026-01-02T0000Z"):
        page = (reports / "credit_risk" / day / "evidently.html").read_text()
        assert f'src="../../assets/{bundles[0].name}"' in page
        assert len(page) < 1_000_000
        window_page = (reports / "credit_risk" / day / "index.html").read_text()
        assert '<p class="verdict"><span class=ok>ok</span>: No rule broken.</p>' in window_page


def test_evidently_reports_only_windows_that_break_a_rule_unless_asked(
        home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """report.evidently: alerts (the default): the drifted window gets its Evidently report, the
    clean ones a line saying how to render theirs; `monitors report --window W --evidently`
    renders one from the warehouse and links it."""
    url = write_duckdb_warehouse(home / "warehouse.duckdb", make_tables(seed=2, days=3, rows_per_day=1500,
                                                                        drift_from_day=2))
    config_path = write_config(home, url, checks=None)
    assert main(["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-04",
                 "--as-of", "2026-03-01"]) == 1
    model = home / "reports" / "credit_risk"
    assert [(model / day / "evidently.html").exists() for day in ("2026-01-01T0000Z", "2026-01-02T0000Z",
                                                                  "2026-01-03T0000Z")] == [False, False, True]
    clean = (model / "2026-01-01T0000Z" / "index.html").read_text()
    assert "no Evidently report (report.evidently: alerts" in clean and 'href="evidently.html"' not in clean
    assert "--window 2026-01-01T00:00Z --evidently" in clean
    assert main(["report", str(config_path), "--window", "2026-01-01T00:00Z", "--evidently"]) == 0
    assert (model / "2026-01-01T0000Z" / "evidently.html").stat().st_size > 1000
    assert 'href="evidently.html"' in (model / "2026-01-01T0000Z" / "index.html").read_text()
    assert main(["report", str(config_path), "--window", "2026-02-01", "--evidently"]) == 2
    assert "no stored window starts at 2026-02-01 00:00 UTC" in capsys.readouterr().err


def test_the_airflow_report_stage_rebuilds_a_stored_windows_pages(home: Path) -> None:
    """What Airflow's `report` task does after the report failed in `measure`: the window's
    page again from the store and, for a window that broke a rule, its Evidently report from
    samples read now; the model page lists the window."""
    from monitors.core.window import Window
    from monitors.run.stages import run_report
    from monitors.testing import make_window_bounds

    url = write_duckdb_warehouse(home / "warehouse.duckdb", make_tables(seed=2, days=3, rows_per_day=1500,
                                                                        drift_from_day=2))
    config_path = write_config(home, url, checks=None)
    assert main(["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-04",
                 "--as-of", "2026-03-01", "--no-report"]) == 1
    model = home / "reports" / "credit_risk"
    assert not model.exists()
    config = load_config(config_path)
    for day in (0, 2):  # a clean window, then the drifted one
        run_report(config, Window(*make_window_bounds(day)))
    clean, drifted = model / "2026-01-01T0000Z", model / "2026-01-03T0000Z"
    assert "Rebuilt from the store after the report failed." in (drifted / "index.html").read_text()
    assert (drifted / "evidently.html").stat().st_size > 1000 and not (clean / "evidently.html").exists()
    assert 'href="2026-01-03T0000Z/index.html"' in (model / "index.html").read_text()


def test_writing_a_window_rewrites_only_its_page_its_month_page_and_the_two_indexes(
        home: Path, duckdb_warehouse: str) -> None:
    config_path = write_config(home, duckdb_warehouse, checks=None, **{"report.evidently": False})
    assert main(["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-04",
                 "--as-of", "2026-03-01"]) == 0
    reports = home / "reports"
    pages = list(reports.rglob("*.html"))
    assert len(pages) == 6  # home, model page, the month's page, three window pages
    for page in pages:  # marked as written at the epoch: a page written again is newer than that
        os.utime(page, ns=(0, 0))
    assert main(["run", str(config_path), "--start", "2026-01-02", "--end", "2026-01-03",
                 "--as-of", "2026-03-01"]) == 0
    changed = sorted(str(p.relative_to(reports)) for p in pages if p.stat().st_mtime_ns != 0)
    assert changed == ["credit_risk/2026-01-02T0000Z/index.html", "credit_risk/index.html",
                       "credit_risk/months/2026-01.html", "index.html"]


def test_report_command_rebuilds_pages_from_the_store(home: Path, duckdb_warehouse: str,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    config_path = write_config(home, duckdb_warehouse, checks=None, **{"report.evidently": False})
    assert main(["run", str(config_path), "--start", "2026-01-01", "--end", "2026-01-03",
                 "--as-of", "2026-03-01"]) == 0
    shutil.rmtree(home / "reports")
    (home / "warehouse.duckdb").unlink()  # pages come from the store alone
    assert main(["report", str(config_path)]) == 0
    assert "rebuilt 2 window pages" in capsys.readouterr().out
    page = (home / "reports" / "credit_risk" / "2026-01-02T0000Z" / "index.html").read_text()
    assert "drift" in page and "Rebuilt from the store." in page
    assert (home / "reports" / "credit_risk" / "index.html").read_text().count("<figure class=\"chart\"") >= 5
