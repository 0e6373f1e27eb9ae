"""Pure rules: measurements -> broken rules -> one readable failure message."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from monitors.measurement import AT_OR_ABOVE, LOWER_IS_WORSE, Measurement
from monitors.window import Window

MAX_LISTED = 25


def compute_broken_rules(rows: Iterable[Measurement]) -> list[Measurement]:
    """Every measurement with status alert; whole-window rules before per-segment ones."""
    broken = [r for r in rows if r.is_alert]
    return sorted(broken, key=lambda r: (r.segment is not None, r.kind, r.metric,
                                          r.column_name or "", r.segment or ""))


def _number(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.4g}"


def compute_rule_text(row: Measurement) -> str:
    """e.g. `drift wasserstein of income = 0.4123 (bound: < 0.1)`"""
    subject = f"{row.kind} {row.metric}"
    if row.column_name:
        subject += f" of {row.column_name}"
    if row.segment:
        subject += f" [{row.segment}]"
    if row.threshold is None:
        return f"{subject} = {_number(row.value)} (failed)"
    if row.metric in LOWER_IS_WORSE:
        bound = f">= {_number(row.threshold)}"
    elif row.metric in AT_OR_ABOVE:
        bound = f"< {_number(row.threshold)}"
    else:
        bound = f"<= {_number(row.threshold)}"
    return f"{subject} = {_number(row.value)} (bound: {bound})"


def compute_failure_message(model: str, window: Window, rows: Iterable[Measurement],
                            report: Path | str | None = None) -> str | None:
    """None when no rule broke; else a message naming each broken rule, its value and bound."""
    rows = list(rows)
    broken = compute_broken_rules(rows)
    if not broken:
        return None
    lines = [f"model {model}, window {window}: {len(broken)} rule(s) broken"]
    lines += [f"  - {compute_rule_text(r)}" for r in broken[:MAX_LISTED]]
    if len(broken) > MAX_LISTED:
        lines.append(f"  ... and {len(broken) - MAX_LISTED} more (see the report)")
    from monitors.tracing import compute_tracing_text

    traced = compute_tracing_text([r for r in rows if r.kind == "tracing"])
    if traced:
        lines.append("  where the performance dropped most (slices by contribution):")
        lines += [f"    {i}. {text}" for i, text in enumerate(traced, 1)]
    if report:
        lines.append(f"report: {report}")
    return "\n".join(lines)
