"""Decoding the outcome tallies' rows: the log loss sum is the same whatever order a parallel
aggregate returns its groups in (a rerun stores the same value)."""

from __future__ import annotations

import itertools

from monitors.core.counts import MISSING
from monitors.warehouse.outcomes import tally_from_rows

# label, predicted, score slot, rows, sum of the rows' log loss
ROWS = [(1, 1, 10, 5, 1e16), (0, 1, 11, 3, 1.0), (1, 0, 12, 2, -1e16), (0, 0, 13, 4, 0.25),
        (-1, 1, 14, 7, 9.0), (1, 1, MISSING, 1, 3.0)]


def test_the_log_loss_sum_does_not_depend_on_the_rows_order() -> None:
    sums = {tally_from_rows("binary_classification", list(order), 3).log_loss_sum
            for order in itertools.permutations(ROWS)}
    assert sums == {1.25}  # unlabelled rows and rows without a finite score are left out


def test_rows_without_a_finite_score_count_in_the_total_only() -> None:
    tally = tally_from_rows("binary_classification", ROWS, 3)
    assert tally.total == 22 and tally.labelled == 14
    assert sorted(map(tuple, tally.groups.tolist()))[0] == (-1, 1, 14, 7)
    assert MISSING not in tally.groups[:, 2]
