from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from monitors.config import ConfigError, load_config
from monitors.core.fields import compute_duration
from monitors.demo import CONFIG_YAML
from monitors.testing import write_config

REPO = Path(__file__).resolve().parents[2]
DESIGN = REPO.parent / "shared" / "DESIGN.md"


def _flat(data: dict, prefix: str = "") -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in data.items():
        out.update(_flat(value, f"{prefix}{key}.") if isinstance(value, dict) else {f"{prefix}{key}": value})
    return out


def test_the_committed_demo_config_is_the_design_example(tmp_path: Path) -> None:
    """dags/models/credit_risk.yaml holds every key of the example with its value; a user may add
    the documented optional keys (airflow.notify, reports_url, ...), as long as it still loads."""
    committed = (REPO / "dags" / "models" / "credit_risk.yaml").read_text()
    example = _flat(yaml.safe_load(CONFIG_YAML))
    assert {k: v for k, v in _flat(yaml.safe_load(committed)).items() if k in example} == example
    load_config(REPO / "dags" / "models" / "credit_risk.yaml", home=tmp_path)
    if DESIGN.exists():
        block = re.search(r"```yaml\n(.*?)```", DESIGN.read_text(), re.S)
        assert block is not None
        assert block.group(1) == CONFIG_YAML


def test_design_example_loads_with_its_values(tmp_path: Path) -> None:
    config = load_config(REPO / "dags" / "models" / "credit_risk.yaml", home=tmp_path)
    assert config.model == "credit_risk"
    assert config.ground_truth is not None and config.ground_truth.max_delay == timedelta(days=14)
    assert config.predictions.features.all == ["income", "debt_ratio", "age", "region", "product"]
    assert config.store_path == tmp_path / "monitoring.duckdb"
    assert config.suite_path == tmp_path / "expectations" / "credit_risk.json"
    assert config.performance.metrics == ["roc_auc", "f1"]


@pytest.mark.parametrize("text,expected", [("14d", timedelta(days=14)), ("6h", timedelta(hours=6)),
                                           ("30m", timedelta(minutes=30)), ("2w", timedelta(weeks=2))])
def test_durations(text: str, expected: timedelta) -> None:
    assert compute_duration(text) == expected


def test_bad_duration_names_file_and_key(tmp_path: Path) -> None:
    path = write_config(tmp_path, "duckdb:///w.duckdb", **{"ground_truth.max_delay": "two weeks"})
    with pytest.raises(ConfigError, match=r"model\.yaml: ground_truth\.max_delay: .*not a duration"):
        load_config(path)


def test_misspelled_key_names_file_and_key(tmp_path: Path) -> None:
    path = write_config(tmp_path, "duckdb:///w.duckdb", **{"drift.max_drifted_shares": 0.3})
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert f"{path}: drift.max_drifted_shares: unknown key" in str(info.value)


def test_missing_key_is_named(tmp_path: Path) -> None:
    path = write_config(tmp_path, "duckdb:///w.duckdb", **{"predictions.score": None})
    with pytest.raises(ConfigError, match=r"predictions\.score: required key is missing"):
        load_config(path)


def test_unknown_metric_is_named(tmp_path: Path) -> None:
    path = write_config(tmp_path, "duckdb:///w.duckdb", **{"performance.metrics": ["roc_auc", "auroc"]})
    with pytest.raises(ConfigError, match=r"unknown metric 'auroc' for task binary_classification"):
        load_config(path)


def test_invalid_yaml_gives_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("model: x\npredictions: [unclosed\n")
    with pytest.raises(ConfigError, match=r"broken\.yaml: not valid YAML at line \d+"):
        load_config(path)


def test_model_name_must_be_safe_for_paths_and_dag_ids(tmp_path: Path) -> None:
    path = write_config(tmp_path, "duckdb:///w.duckdb", model="../etc")
    with pytest.raises(ConfigError, match=r"model: model '../etc' must start with a letter"):
        load_config(path)


def test_relative_paths_resolve_against_monitors_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                      ) -> None:
    monkeypatch.setenv("MONITORS_HOME", str(tmp_path / "proj"))
    path = write_config(tmp_path, "duckdb:///w.duckdb", store="/abs/store.duckdb")
    config = load_config(path)
    assert config.store_path == Path("/abs/store.duckdb")
    assert config.reports_path == (tmp_path / "proj" / "reports").resolve()


@pytest.mark.parametrize(("url", "reason"), [
    ("mysql+pymysql://root@127.0.0.1:3306/test", " (it has no GROUPING SETS)"),
    ("sqlite:///warehouse.sqlite", " (it has no GROUPING SETS)"),
    ("oracle://scott@db/orcl", ""),
])
def test_an_unsupported_warehouse_dialect_is_refused_at_load(tmp_path: Path, url: str, reason: str) -> None:
    backend = url.split(":", 1)[0].split("+")[0]
    with pytest.raises(ConfigError, match=re.escape(
            f"warehouse: dialect {backend!r} is not supported{reason}; supported: bigquery, databricks, duckdb, hive (Spark SQL), postgresql, "
            "redshift, snowflake, trino")):
        load_config(write_config(tmp_path, url))
    with pytest.raises(ConfigError, match="warehouse: 'not a url' is not a SQLAlchemy URL"):
        load_config(write_config(tmp_path, "not a url"))


def test_drift_scores_are_checked_against_the_registry(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="drift.categorical_metric: 'wasserstein' is not a drift score of "
                                          "categorical columns; choose from jensenshannon, psi"):
        load_config(write_config(tmp_path, "duckdb:///w.duckdb", **{"drift.categorical_metric": "wasserstein"}))


def test_a_metric_the_task_cannot_judge_is_refused_at_load(tmp_path: Path) -> None:
    path = write_config(tmp_path, "duckdb:///w.duckdb", task="multiclass_classification",
                        **{"performance.metrics": ["accuracy", "roc_auc"]})
    with pytest.raises(ConfigError, match=r"performance.metrics: metric 'roc_auc' cannot be judged without each "
                                          r"class's probability \(predictions.class_scores\) for task "
                                          r"multiclass_classification; choose from accuracy, precision, recall, f1$"):
        load_config(path)


def test_class_scores_make_probability_metrics_judged_and_score_optional(tmp_path: Path) -> None:
    from monitors.testing import make_multiclass_overrides

    config = load_config(write_config(tmp_path, "duckdb:///w.duckdb", **make_multiclass_overrides()))
    assert config.predictions.score is None
    assert config.predictions.outputs == ["p_low", "p_mid", "p_high"]
    numbered = write_config(tmp_path, "duckdb:///w.duckdb", name="numbered.yaml", **{
        **make_multiclass_overrides(), "predictions.class_scores": {0: "p0", 1: "p1"}})
    assert load_config(numbered).predictions.class_scores == {"0": "p0", "1": "p1"}  # labels compared as text
    binary = write_config(tmp_path, "duckdb:///w.duckdb", name="binary.yaml",
                          **{"predictions.class_scores": {"a": "pa", "b": "pb"}})
    with pytest.raises(ConfigError, match=r"predictions.class_scores: only for multiclass_classification"):
        load_config(binary)
    one = write_config(tmp_path, "duckdb:///w.duckdb", name="one.yaml", **{
        **make_multiclass_overrides(), "predictions.class_scores": {"a": "pa"}})
    with pytest.raises(ConfigError, match=r"name at least two classes"):
        load_config(one)
    bare = write_config(tmp_path, "duckdb:///w.duckdb", name="bare.yaml", **{"predictions.score": None})
    with pytest.raises(ConfigError, match=r"predictions.score: required key is missing"):
        load_config(bare)


def test_report_evidently_is_alerts_by_default_and_booleans_keep_their_meaning(tmp_path: Path) -> None:
    assert load_config(write_config(tmp_path, "duckdb:///w.duckdb")).report.evidently == "alerts"
    for given, meant in ((True, "always"), (False, "never"), ("never", "never")):
        report = load_config(write_config(tmp_path, "duckdb:///w.duckdb", **{"report.evidently": given})).report
        assert report.evidently == meant
        assert report.compute_wants_evidently(broken=True) == (meant != "never")
        assert report.compute_wants_evidently(broken=False) == (meant == "always")
    with pytest.raises(ConfigError, match="report.evidently"):
        load_config(write_config(tmp_path, "duckdb:///w.duckdb", **{"report.evidently": "sometimes"}))


@pytest.mark.parametrize("compare", [["previous_window"], ["baseline", "baseline"], ["baseline", "last_week"]])
def test_drift_compare_names_the_key(tmp_path: Path, compare: list[str]) -> None:
    path = write_config(tmp_path, "duckdb:///w.duckdb", **{"drift.compare": compare})
    with pytest.raises(ConfigError, match=r"model\.yaml: drift\.compare"):
        load_config(path)
    ok = write_config(tmp_path, "duckdb:///w.duckdb", **{"drift.compare": ["baseline", "previous_window"]})
    assert load_config(ok).drift.compare == ["baseline", "previous_window"]
