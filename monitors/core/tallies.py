"""Outcome tallies: what realized performance, CBPE and tracing measure from, one type per task
type, each with its own codec (plain JSON-able fields and back; storage.codecs adds the task and
the slice key). The task-type registry (core.tasks) names each task's tally type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from monitors.core.metrics import BINARY, MULTICLASS, REGRESSION

# regression tallies' sums of errors; sle, sle_sq, sle_n: of the squared log error
# (log1p(label) - log1p(prediction))^2, its square and the rows, where both are > -1
SUMS = ("abs", "sq", "quad", "y", "yy", "ape", "ape_n", "sle", "sle_sq", "sle_n")


def _rows(found: Any) -> np.ndarray:
    """Counted rows of 4 integers (three keys and a count)."""
    return np.array(found, dtype=np.int64).reshape(-1, 4)


@dataclass
class Tally:
    """The outcomes of one slice of rows (or of the whole window): every row, labelled or not."""

    task: ClassVar[str]
    total: int = 0

    @property
    def labelled(self) -> int:
        raise NotImplementedError

    @property
    def coverage(self) -> float:
        return self.labelled / self.total if self.total else 0.0

    def fields(self) -> dict[str, Any]:
        """The tally as JSON-able fields (its codec; from_fields reads them back)."""
        return {"total": self.total}

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Tally:
        return cls(**fields)


@dataclass
class BinaryTally(Tally):
    """Rows with a finite score by (label: 1, 0 or -1 when none; predicted label, -1 when none;
    score slot; count), and the log loss summed over the labelled ones."""

    task: ClassVar[str] = BINARY
    groups: np.ndarray = field(default_factory=lambda: _rows([]))
    log_loss_sum: float = 0.0

    @property
    def labelled_groups(self) -> np.ndarray:
        g = self.groups
        return g[(g[:, 0] >= 0) & (g[:, 1] >= 0)]

    @property
    def labelled(self) -> int:
        return int(self.labelled_groups[:, 3].sum())

    def fields(self) -> dict[str, Any]:
        return {"total": self.total, "groups": self.groups.tolist(), "log_loss_sum": self.log_loss_sum}

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Tally:
        return cls(fields["total"], _rows(fields["groups"]), fields["log_loss_sum"])


@dataclass
class MulticlassTally(Tally):
    """Labelled rows by (label, predicted class); with class probabilities, per class rows by
    (is this class: 1/0/-1 unlabelled, predicted this class: 1/0, the class's probability slot,
    count), and the log loss over the log_loss_rows labelled rows."""

    task: ClassVar[str] = MULTICLASS
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)
    probabilities: dict[str, np.ndarray] = field(default_factory=dict)
    log_loss_sum: float = 0.0
    log_loss_rows: int = 0

    @property
    def labelled(self) -> int:
        return sum(self.confusion.values())

    def fields(self) -> dict[str, Any]:
        return {"total": self.total, "confusion": [[a, b, n] for (a, b), n in self.confusion.items()],
                "probabilities": {k: v.tolist() for k, v in self.probabilities.items()},
                "log_loss_sum": self.log_loss_sum, "log_loss_rows": self.log_loss_rows}

    @classmethod
    def from_fields(cls, fields: dict[str, Any]) -> Tally:
        return cls(fields["total"], {(a, b): n for a, b, n in fields["confusion"]},
                   {k: _rows(v) for k, v in fields["probabilities"].items()},
                   fields["log_loss_sum"], fields["log_loss_rows"])


@dataclass
class RegressionTally(Tally):
    """Sums over the labelled rows with a finite prediction: n and SUMS."""

    task: ClassVar[str] = REGRESSION
    sums: dict[str, float] = field(default_factory=dict)

    @property
    def labelled(self) -> int:
        return int(self.sums.get("n", 0))

    def fields(self) -> dict[str, Any]:
        return {"total": self.total, "sums": self.sums}
