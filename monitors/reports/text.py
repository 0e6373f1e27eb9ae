"""Text for people: a broken rule in one line, the failure message of a window (each broken
rule, its value and bound, where performance dropped, the report), tracing's slices."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from monitors.core.kinds import Kind
from monitors.core.location import Location
from monitors.core.measurement import (
    Lifecycle,
    Measurement,
    RuleKey,
    clean_value,
    compute_number_text,
    compute_rule_key,
)
from monitors.core.metrics import compute_breach_direction
from monitors.core.window import Window, compute_moment_label
from monitors.reports.series_text import compute_expected_texts, compute_series_note, compute_series_notes

__all__ = ["compute_expected_texts", "compute_series_note", "compute_series_notes"]  # read here too

MAX_LISTED = 25
VERDICT_GROUPS = 3  # rules (segments folded) named in a window's one-line verdict


def compute_broken_rules(rows: Iterable[Measurement]) -> list[Measurement]:
    """Every measurement with status alert; whole-window rules before per-segment ones."""
    broken = [r for r in rows if r.is_alert]
    return sorted(broken, key=lambda r: (r.segment is not None, r.kind, r.metric,
                                          r.column_name or "", r.segment or ""))


@dataclass(frozen=True)
class RuleGroup:
    """A rule without its segment as one window broke it: its whole-window row (if broken) and
    its broken segment rows, out of the segments where it was judged."""

    rule: RuleKey
    whole: Measurement | None
    segments: list[Measurement]
    judged_segments: int
    baseline: float | None = None  # a performance rule: the baseline's value (whole window)
    expected: str | None = None  # a series rule: its season's expected range


def compute_rule_groups(rows: Iterable[Measurement]) -> list[RuleGroup]:
    """The window's broken rules grouped by rule (segments folded), in compute_broken_rules'
    order of their first row."""
    rows = list(rows)
    judged: dict[RuleKey, int] = {}
    for r in rows:
        if r.segment is not None and r.status in ("ok", "alert"):
            key = (r.kind, r.metric, r.column_name, None)
            judged[key] = judged.get(key, 0) + 1
    baselines = {(r.kind.removeprefix("baseline_"), r.metric): r.value for r in rows
                 if r.kind in (Kind.BASELINE_PERFORMANCE, Kind.BASELINE_CUSTOM) and r.segment is None}
    expected = compute_expected_texts(rows)
    groups: dict[RuleKey, list[Measurement]] = {}
    for r in compute_broken_rules(rows):
        groups.setdefault((r.kind, r.metric, r.column_name, None), []).append(r)
    return [RuleGroup(key, next((r for r in found if r.segment is None), None),
                      [r for r in found if r.segment is not None], judged.get(key, 0),
                      baselines.get((key[0], key[1])), expected.get(key[1]))
            for key, found in groups.items()]


def compute_group_text(group: RuleGroup) -> str:
    """e.g. `drift wasserstein of income = 0.41 (bound: < 0.07), whole window and 4 of 4 segments`"""
    head = compute_rule_text(group.whole, group.baseline, group.expected) if group.whole else \
        compute_rule_subject(group.rule)
    where = ["whole window"] if group.whole else []
    if group.segments:
        where.append(f"{len(group.segments)} of {group.judged_segments} segments")
    return f"{head}: {' and '.join(where)}"


def compute_verdict(rows: Iterable[Measurement]) -> str:
    """The window in one line: how many rules broke, and the first few grouped."""
    rows = list(rows)
    broken = compute_broken_rules(rows)
    if not broken:
        return "No rule broken."
    groups = compute_rule_groups(rows)
    listed = "; ".join(compute_group_text(g) for g in groups[:VERDICT_GROUPS])
    more = f"; and {len(groups) - VERDICT_GROUPS} more" if len(groups) > VERDICT_GROUPS else ""
    return f"{len(broken)} rule{'s' if len(broken) != 1 else ''} broken: {listed}{more}."


# kinds said otherwise in alerts
KIND_TEXT: dict[str, str] = {Kind.DRIFT_PREVIOUS: "drift vs previous window",
                             Kind.CUSTOM_PREVIOUS: "custom vs previous window"}


def _number(value: float | None) -> str:
    return "n/a" if value is None else compute_number_text(value)


def compute_rule_subject(rule: RuleKey) -> str:
    """e.g. `drift wasserstein of income [region=EU]`, `drift vs previous window psi of age`"""
    kind, metric, column, segment = rule
    if kind == "series":  # e.g. series custom.refunds: custom refunds
        kind, _, metric = metric.partition(".")
    return f"{KIND_TEXT.get(kind, kind)} {metric}" + (f" of {column}" if column else "") + \
        (f" [{segment}]" if segment else "")


def compute_rule_text(row: Measurement, baseline: float | None = None, expected: str | None = None) -> str:
    """e.g. `drift wasserstein of income = 0.4123 (bound: < 0.1)`; with the baseline's value,
    `performance roc_auc = 0.68 (baseline 0.87, bound: >= 0.82)`; with a series rule's expected
    range, `data_quality row_count = 469, expected 2,015-3,784 for a Wednesday`"""
    subject = compute_rule_subject(compute_rule_key(row))
    if expected is not None and row.segment is None and row.value is not None:
        value = _number(row.value) if row.kind == "series" else f"{row.value:,.0f}"
        return f"{subject} = {value}, {expected}"
    if row.threshold is None:
        return f"{subject} = {_number(row.value)} (failed)"
    # the bound a value must keep: the opposite of how it breaks
    keep = {"below": ">=", "at_or_above": "<", "above": "<="}[compute_breach_direction(row.metric)]
    if row.kind in (Kind.CUSTOM, Kind.CUSTOM_PREVIOUS):  # the upper bound when broken from above or met
        upper = row.value is not None and (row.value > row.threshold) == row.is_alert
        keep = "<=" if upper else ">="
    was = "" if baseline is None else f"baseline {_number(baseline)}, "
    return f"{subject} = {_number(row.value)} ({was}bound: {keep} {_number(row.threshold)})"


def compute_life_text(row: Measurement, lifecycle: Lifecycle | None) -> str:
    """NEW, or ONGOING since <window> (n windows), for a broken rule; empty without a lifecycle."""
    found = lifecycle.since.get(compute_rule_key(row)) if lifecycle else None
    if found is None:
        return ""
    opened, n = found
    return "NEW " if n == 1 else f"ONGOING since {compute_moment_label(opened)} ({n} windows) "


def compute_failure_message(model: str, window: Window, rows: Iterable[Measurement],
                            report: Location | str | None = None, lifecycle: Lifecycle | None = None
                            ) -> str | None:
    """None when no rule broke; else a message naming each broken rule, its value and bound
    (with the lifecycle: NEW or ONGOING since when, and the alerts this window resolved)."""
    rows = list(rows)
    broken = compute_broken_rules(rows)
    if not broken:
        return None
    new = sum(compute_life_text(r, lifecycle).startswith("NEW") for r in broken)
    counts = f" ({new} new, {len(broken) - new} ongoing)" if lifecycle else ""
    lines = [f"model {model}, window {window}: {len(broken)} rule(s) broken{counts}"]
    expected = compute_expected_texts(rows)
    lines += [f"  - {compute_life_text(r, lifecycle)}{compute_rule_text(r, None, expected.get(r.metric))}"
              for r in broken[:MAX_LISTED]]
    if len(broken) > MAX_LISTED:
        lines.append(f"  ... and {len(broken) - MAX_LISTED} more (see the report)")
    lines += compute_combined_lines(rows)
    traced = compute_tracing_text([r for r in rows if r.kind == Kind.TRACING])
    if traced:
        lines.append("  where the performance dropped most (slices by contribution):")
        lines += [f"    {i}. {text}" for i, text in enumerate(traced, 1)]
    lines += compute_resolved_lines(lifecycle)
    if report:
        lines.append(f"report: {report}")
    return "\n".join(lines)


def compute_combined_lines(rows: list[Measurement]) -> list[str]:
    """A broken window-level drift test (compute.combined): its features, strongest first."""
    if not any(r.metric == "combined" and r.column_name is None and r.is_alert for r in rows):
        return []
    found = sorted((r.value, r.column_name) for r in rows if r.metric == "combined" and r.column_name)
    return ["  features behind drift combined (each one's p-value): "
            + ", ".join(f"{column} (p {_number(value)})" for value, column in found[:5])]


def compute_resolved_lines(lifecycle: Lifecycle | None) -> list[str]:
    if not lifecycle or not lifecycle.resolved:
        return []
    lines = ["  resolved in this window:"]
    for rule, opened, n in lifecycle.resolved:
        windows = f"{n} window{'s' if n != 1 else ''}"
        since = compute_moment_label(opened)
        lines.append(f"  - RESOLVED {compute_rule_subject(rule)} (in alert since {since}, {windows})")
    return lines



def compute_late_label_message(model: str, window: Window, before: Iterable[Measurement],
                               after: list[Measurement], report: Location | str | None = None) -> str | None:
    """The rules that labels arriving after the window ran broke (broken now, not before the
    refresh), with where performance dropped; None when they broke none."""
    def rule(r: Measurement) -> tuple[str, str, str | None, str | None]:
        return r.kind, r.metric, r.column_name, r.segment

    was = {rule(r) for r in before if r.is_alert}
    new = [r for r in after if r.is_alert and rule(r) not in was]
    if not new:
        return None
    message = compute_failure_message(model, window, [*new, *(r for r in after if r.kind == Kind.TRACING)],
                                      report)
    return f"late labels: {message}"


def compute_episode_rule(episode: dict[str, Any]) -> RuleKey:
    """The rule of a monitor_alerts row (NULL column or segment read as None, not NaN)."""
    def text(value: Any) -> str | None:
        return value if isinstance(value, str) else None

    return str(episode["kind"]), str(episode["metric"]), text(episode.get("column_name")), \
        text(episode.get("segment"))


def compute_episode_text(episode: dict[str, Any]) -> str:
    """One alert episode (a monitor_alerts row): OPEN since <window> (n windows) or RESOLVED
    <opened> to <resolved>, then the rule with its latest value and bound."""
    n = int(episode["windows_in_alert"])
    windows = f"{n} window{'s' if n != 1 else ''}"
    resolved = episode.get("resolved_at")
    if resolved is None or resolved != resolved:
        when = f"OPEN since {compute_moment_label(episode['opened_at'])} ({windows})"
    else:
        opened = compute_moment_label(episode["opened_at"])
        when = f"RESOLVED {opened} to {compute_moment_label(resolved)} ({windows})"
    kind, metric, column, segment = compute_episode_rule(episode)
    rule = compute_rule_text(Measurement(kind, metric, clean_value(episode["latest_value"]),
                                         clean_value(episode["latest_threshold"]), "alert", column, segment))
    return f"{when}: {rule}"

def compute_open_rules(episodes: Iterable[dict[str, Any]],
                       expected_at: Callable[[Any], dict[str, str]] | None = None) -> list[dict[str, str]]:
    """Open alert episodes (monitor_alerts rows) grouped by their rule without the segment, oldest
    first: {"rule": the whole window's rule with its latest value and bound (with `expected_at`,
    the expected ranges of the rules a season judged in a window: its expected range in the
    episode's latest window, as the window's page says it), or the rule's subject when only
    segments break it; "where": whole window and/or N segments; "since"}."""
    grouped: dict[RuleKey, list[dict[str, Any]]] = {}
    for e in episodes:
        kind, metric, column, _ = compute_episode_rule(e)
        grouped.setdefault((kind, metric, column, None), []).append(e)
    out = []
    for rule, found in grouped.items():
        whole = [e for e in found if compute_episode_rule(e)[3] is None]
        segments = len(found) - len(whole)
        expected = expected_at(whole[0]["last_seen_at"]).get(rule[1]) if whole and expected_at else None
        text = compute_rule_subject(rule) if not whole else compute_rule_text(Measurement(
            rule[0], rule[1], clean_value(whole[0]["latest_value"]),
            clean_value(whole[0]["latest_threshold"]), "alert", rule[2]), None, expected)
        where = [*(["whole window"] if whole else []),
                 *([f"{segments} segment{'s' if segments != 1 else ''}"] if segments else [])]
        since = min(e["opened_at"] for e in found)
        out.append({"rule": text, "where": " and ".join(where), "since": compute_moment_label(since),
                    "opened": str(since)})
    return sorted(out, key=lambda r: (r["opened"], r["rule"]))


def compute_tracing_text(rows: list[Measurement]) -> list[str]:
    """One line per traced slice, largest contribution first."""
    slices: dict[str, dict[str, float | None]] = {}
    metric = ""
    for r in rows:
        if r.kind != Kind.TRACING or r.segment is None:
            continue
        base, _, field = r.metric.partition("_slice_") if "_slice_" in r.metric else \
            (r.metric.removesuffix("_contribution"), "", "contribution")
        metric = base
        slices.setdefault(r.segment, {})[field] = r.value
    ordered = sorted(slices.items(), key=lambda kv: -(kv[1].get("contribution") or 0.0))
    lines = []
    for label, f in ordered:
        lines.append(f"{label}: {metric} {f.get('value') or 0:.3g} vs {f.get('baseline') or 0:.3g} in the "
                     f"baseline, {f.get('share') or 0:.0%} of labelled rows (n={int(f.get('rows') or 0)}), "
                     f"contribution {f.get('contribution') or 0:.3g}")
    return lines
