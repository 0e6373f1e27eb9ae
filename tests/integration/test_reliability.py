"""Reliability and security: a killed write, concurrent writers with a reader, hostile names,
secrets, schema drift in the source, window edges. Each test would catch its failure."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from monitors.cli import main
from monitors.config import load_config
from monitors.core.window import Window
from monitors.storage.results import window_results_file
from monitors.testing import make_tables, write_config, write_duckdb_warehouse, write_sql_warehouse
from monitors.warehouse.engine import create_warehouse_engine

from .helpers import load_window, stored, write_suite_for

DAY1 = ["--start", "2026-01-01", "--end", "2026-01-02", "--no-report"]

KILLED_RUN = textwrap.dedent("""
    import os, sys, time
    import pyarrow.parquet as pq
    from monitors import cli

    point = sys.argv[1]
    real_write, real_replace = pq.write_table, os.replace

    def write_table(table, where, **kwargs):
        real_write(table, where, **kwargs)
        if point == "mid-write":  # cut the temp file in half, as a write in progress leaves it
            data = open(where, "rb").read()
            open(where, "wb").write(data[: len(data) // 2])
            print("ready", flush=True)
            time.sleep(120)

    def replace(src, dst):
        if point == "before-rename" and str(dst).endswith(".parquet"):
            print("ready", flush=True)
            time.sleep(120)
        real_replace(src, dst)

    pq.write_table = write_table  # what storage.files writes Parquet with
    os.replace = replace  # and renames with
    cli.main(["run", sys.argv[2], "--start", "2026-01-01", "--end", "2026-01-02", "--no-report",
              "--as-of", "2026-03-01"])
""")


@pytest.mark.parametrize("point", ["mid-write", "before-rename"])
def test_a_run_killed_while_writing_leaves_the_old_window(home: Path, point: str) -> None:
    url = write_duckdb_warehouse(home / "warehouse.duckdb",
                                 make_tables(seed=1, days=1, rows_per_day=1500, label_delay_days=3))
    config_path = write_config(home, url, checks=None, **{"ground_truth.timestamp": "labelled_at"})
    # the old rows: labels pending (as of the next day); the new ones would have metrics
    assert main(["run", str(config_path), *DAY1, "--as-of", "2026-01-02T06:00"]) == 0
    config = load_config(config_path)
    old = stored(config)
    assert (old.query("kind == 'performance'")["status"] == "skipped").all()
    child = subprocess.Popen([sys.executable, "-c", KILLED_RUN, point, str(config_path)],
                             stdout=subprocess.PIPE, text=True, cwd=home)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    child.kill()  # SIGKILL
    child.wait()
    pd.testing.assert_frame_equal(old, stored(config))  # the old window, whole
    folder = window_results_file(config.store_path, config.model,
                                 Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))).parent
    assert len(list(folder.glob(".*.tmp"))) == 1  # the killed run's temp file
    assert main(["run", str(config_path), *DAY1, "--as-of", "2026-03-01"]) == 0
    new = stored(config)
    assert (new.query("kind == 'performance' and metric == 'roc_auc' and segment.isna()")["status"] == "ok").all()
    assert len(new) == len(old) and list(folder.glob(".*.tmp")) == []  # the next run cleaned up


READER = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])  # read-write, as a notebook or BI tool opens it
    con.execute("select count(*) from monitor_results").fetchone()
    print("holding", flush=True)  # the file is open and read: writers may start
    seen, queries = 0, 0
    deadline = time.time() + 300
    while time.time() < deadline:
        seen = max(seen, con.execute("select count(distinct window_start) from monitor_results").fetchone()[0])
        queries += 1
        if seen == 5:
            break
        time.sleep(0.05)
    print(seen, queries, flush=True)
""")


def test_four_writers_and_a_reader_lose_nothing(home: Path) -> None:
    url = write_duckdb_warehouse(home / "warehouse.duckdb", make_tables(seed=8, days=5, rows_per_day=1000))
    config_path = write_config(home, url, checks=None)
    assert main(["run", str(config_path), *DAY1, "--as-of", "2026-03-01"]) == 0  # the view exists
    single = stored(load_config(config_path))
    reader = subprocess.Popen([sys.executable, "-c", READER, str(home / "monitoring.duckdb")],
                              stdout=subprocess.PIPE, text=True)
    assert reader.stdout is not None and reader.stdout.readline().strip() == "holding"
    writers = [subprocess.Popen([sys.executable, "-m", "monitors.cli", "run", str(config_path),
                                 "--start", f"2026-01-0{day}", "--end", f"2026-01-0{day + 1}",
                                 "--no-report", "--as-of", "2026-03-01"],
                                cwd=home, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for day in (2, 3, 4, 5)]
    results = [w.communicate(timeout=300) + (w.returncode,) for w in writers]
    out, _ = reader.communicate(timeout=300)
    # 1 is a broken rule (a segment may alert by chance), 2 an error
    assert all(code in (0, 1) and "Traceback" not in err for _, err, code in results), \
        [err[-2000:] for _, err, _ in results]
    seen, queries = (int(x) for x in out.split())
    assert seen == 5 and queries >= 1 and reader.returncode == 0
    rows = stored(load_config(config_path))
    counts = rows.groupby("window_start").size()
    assert len(counts) == 5 and (counts == len(single)).all()


HOSTILE = {"predictions": 'pred "quoted"; x', "outcomes": "outcomes ü ; --", "training_data": "train data"}
HOSTILE_COLUMNS = {"income": 'in"come', "debt_ratio": "debt; ratio", "region": "régión",
                   "prediction_id": "id'); DROP TABLE victim; --"}


def _hostile(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    out = {HOSTILE[name]: frame.rename(columns=HOSTILE_COLUMNS) for name, frame in tables.items()}
    out["victim"] = pd.DataFrame({"x": [1, 2, 3]})
    return out


def _hostile_overrides() -> dict[str, object]:
    return {"predictions.table": HOSTILE["predictions"], "ground_truth.table": HOSTILE["outcomes"],
            "baseline.table": HOSTILE["training_data"],
            "predictions.id": HOSTILE_COLUMNS["prediction_id"],
            "ground_truth.id": HOSTILE_COLUMNS["prediction_id"],
            "predictions.features.numerical": ['in"come', "debt; ratio", "age"],
            "predictions.features.categorical": ["régión", "product"], "segments": ["régión"]}


def test_hostile_names_are_quoted_identifiers_on_duckdb(home: Path) -> None:
    url = write_duckdb_warehouse(home / "warehouse.duckdb", _hostile(make_tables(seed=6, days=1, rows_per_day=1200)))
    config_path = write_config(home, url, **_hostile_overrides())
    write_suite_for(load_config(config_path))
    assert main(["run", str(config_path), *DAY1[:-1], "--as-of", "2026-03-01"]) == 0  # with reports
    rows = stored(load_config(config_path))
    assert {'in"come', "debt; ratio", "régión"} <= set(rows["column_name"].dropna())
    assert "régión=EU" in set(rows["segment"].dropna())
    page = next((home / "reports" / "credit_risk").glob("*/index.html")).read_text()
    assert "in&quot;come" in page and 'in"come' not in page
    # a table name that is SQL is only ever a name
    attack = write_config(home, url, name="attack.yaml", checks=None,
                          **{**_hostile_overrides(), "predictions.table": "victim; DROP TABLE victim"})
    assert main(["run", str(attack), *DAY1]) == 2
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from victim").fetchone() == (3,)


def test_hostile_names_on_postgres_store_what_duckdb_stores(home: Path, postgres_url: str,
                                                            postgres_schema: str) -> None:
    tables = _hostile(make_tables(seed=6, days=1, rows_per_day=1200))
    write_sql_warehouse(postgres_url, tables, schema=postgres_schema)
    duck = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    overrides = _hostile_overrides()
    pg_overrides = {**overrides, **{k: f"{postgres_schema}.{overrides[k]}" for k in
                                    ("predictions.table", "ground_truth.table", "baseline.table")}}
    pg = write_config(home, postgres_url, name="pg.yaml", checks=None, store="pg.duckdb", **pg_overrides)
    dk = write_config(home, duck, name="duck.yaml", checks=None, store="duck.duckdb", **overrides)
    for config in (pg, dk):
        assert main(["run", str(config), *DAY1, "--as-of", "2026-03-01"]) == 0
    pd.testing.assert_frame_equal(stored(load_config(pg)), stored(load_config(dk)), check_exact=False, rtol=1e-9)
    attack = write_config(home, postgres_url, name="attack.yaml", checks=None,
                          **{**pg_overrides, "predictions.table": f"{postgres_schema}.victim; DROP TABLE victim"})
    assert main(["run", str(attack), *DAY1]) == 2
    import sqlalchemy as sa
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text(f'select count(*) from "{postgres_schema}".victim')).scalar() == 3
    engine.dispose()


def test_a_password_never_reaches_outputs(home: Path, postgres_url: str, postgres_schema: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    secret = "Sup3r-Secret-pw"
    url = postgres_url.replace("postgres@", f"postgres:{secret}@", 1)  # trust auth: any password works
    write_sql_warehouse(url, make_tables(seed=7, days=2, rows_per_day=800, drift_from_day=1), schema=postgres_schema)
    config = write_config(home, url, checks=None, **{
        "predictions.table": f"{postgres_schema}.predictions", "ground_truth.table": f"{postgres_schema}.outcomes",
        "baseline.table": f"{postgres_schema}.training_data"})
    assert main(["run", str(config), "--start", "2026-01-01", "--end", "2026-01-03", "--as-of", "2026-03-01"]) == 1
    broken = write_config(home, url, name="broken.yaml", checks=None,
                          **{"predictions.table": f"{postgres_schema}.nope"})
    assert main(["run", str(broken), *DAY1]) == 2
    assert main(["results", str(config), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "***" in captured.err and secret not in captured.out + captured.err
    leaked = [p for p in home.rglob("*") if p.is_file() and p.suffix not in {".yaml"}
              and secret.encode() in p.read_bytes()]
    assert leaked == []
    assert len(list((home / "monitoring" / "results").rglob("*.parquet"))) == 2
    assert (home / "reports" / "index.html").exists()


def test_schema_drift_in_the_source_is_an_alert_not_a_crash(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = write_duckdb_warehouse(home / "warehouse.duckdb", make_tables(seed=2, days=2, rows_per_day=1200))
    config_path = write_config(home, url)
    write_suite_for(load_config(config_path))
    assert main(["run", str(config_path), *DAY1, "--as-of", "2026-03-01"]) == 0
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("ALTER TABLE predictions ADD COLUMN channel VARCHAR")
        con.execute("ALTER TABLE predictions RENAME COLUMN age TO age_years")
        con.execute("ALTER TABLE predictions ALTER income TYPE VARCHAR")
        con.execute("ALTER TABLE predictions DROP COLUMN product")
    capsys.readouterr()
    code = main(["run", str(config_path), "--start", "2026-01-02", "--end", "2026-01-03", "--no-report",
                 "--as-of", "2026-03-01"])
    out = capsys.readouterr().out
    assert code == 1
    for text in ("schema column_added of channel", "schema column_added of age_years",
                 "schema column_present of age = 0", "schema column_present of product = 0",
                 "schema column_type_changed of income"):
        assert text in out, text
    rows = stored(load_config(config_path)).query("window_start == '2026-01-02' and segment.isna()")
    income = rows.query("kind == 'drift' and column_name == 'income' and metric == 'wasserstein'")
    assert income["status"].item() == "ok" and income["value"].item() < 0.1  # still measured


def test_window_edges_include_start_and_exclude_end(home: Path) -> None:
    tables = make_tables(seed=1, days=2, rows_per_day=100)
    predictions = tables["predictions"]
    predictions.loc[0, "predicted_at"] = pd.Timestamp("2026-01-01 00:00:00")
    predictions.loc[1, "predicted_at"] = pd.Timestamp("2026-01-02 00:00:00")
    predictions.loc[2, "predicted_at"] = pd.Timestamp("2026-01-01 23:59:59.999999")
    url = write_duckdb_warehouse(home / "warehouse.duckdb", tables)
    config = load_config(write_config(home, url, checks=None))
    engine = create_warehouse_engine(config)
    day1 = load_window(engine, config, Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))).data
    day2 = load_window(engine, config, Window(datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC))).data
    assert {"p000000", "p000002"} <= set(day1["prediction_id"]) and "p000001" not in set(day1["prediction_id"])
    assert "p000001" in set(day2["prediction_id"])
    assert len(day1) + len(day2) == 200
    assert str(day1["predicted_at"].dt.tz) == "UTC"  # naive warehouse timestamps are read as UTC


def test_naive_and_zoned_timestamps_give_the_same_windows(home: Path, postgres_url: str,
                                                          postgres_schema: str) -> None:
    tables = make_tables(seed=1, days=2, rows_per_day=300)
    zoned = {**tables, "predictions": tables["predictions"].assign(
        predicted_at=tables["predictions"]["predicted_at"].dt.tz_localize("UTC").dt.tz_convert("Asia/Tokyo"))}
    write_sql_warehouse(postgres_url, zoned, schema=postgres_schema)  # TIMESTAMP WITH TIME ZONE
    duck = write_duckdb_warehouse(home / "warehouse.duckdb", tables)  # naive TIMESTAMP, UTC
    pg = load_config(write_config(home, postgres_url, name="pg.yaml", checks=None,
                                  **{"predictions.table": f"{postgres_schema}.predictions",
                                     "ground_truth.table": f"{postgres_schema}.outcomes",
                                     "baseline.table": f"{postgres_schema}.training_data"}))
    dk = load_config(write_config(home, duck, name="duck.yaml", checks=None))
    window = Window(datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC))
    ids = []
    for config in (pg, dk):
        engine = create_warehouse_engine(config)
        ids.append(sorted(load_window(engine, config, window).data["prediction_id"]))
        engine.dispose()
    assert ids[0] == ids[1] and len(ids[0]) == 300
