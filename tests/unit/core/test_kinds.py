"""Row kinds: one set, each kind its text in the store; every metric of the registry has one; the
parts the Airflow tasks judge and what a late-label refresh replaces are drawn from it."""

from __future__ import annotations

import pyarrow as pa

from monitors.core.kinds import LABELLED, PARTS, Kind
from monitors.core.metrics import METRICS


def test_a_kind_is_its_text_in_the_store() -> None:
    assert Kind.ESTIMATED_PERFORMANCE == "estimated_performance"
    assert {("drift", "psi"): 1}[(Kind.DRIFT, "psi")] == 1  # stored rows' keys find it
    assert pa.Table.from_pylist([{"kind": Kind.DATA_QUALITY}])["kind"].to_pylist() == ["data_quality"]


def test_every_metric_has_a_kind_and_every_judged_kind_a_part() -> None:
    assert {type(m.kind) for m in METRICS.values()} == {Kind}
    judged = {k for part in PARTS.values() for k in part}
    assert {m.kind for m in METRICS.values()} - judged == {Kind.EXPECTED}  # expected: never judged


def test_a_late_label_refresh_replaces_the_performance_part_and_what_labels_change() -> None:
    assert LABELLED == {Kind.PERFORMANCE, Kind.ESTIMATED_PERFORMANCE, Kind.BASELINE_PERFORMANCE,
                        Kind.TRACING}
    assert not LABELLED & {*PARTS["checks"], *PARTS["drift"]}
