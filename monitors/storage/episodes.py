"""The alert episodes kept as state, one file per model and month
(alerts/model=<m>/month=YYYY-MM.parquet), so a window reads and writes a bounded part of the
store whatever the history: the episodes resolved in that month ("closed") and the episodes
still in alert at its end ("carry": resolved_at NULL, counted so far). A month's state is a
function of its trend rows (storage.trends) and the previous month's carry. The state also
names the last window walked ("walked"): a window stored after it walks on from the carry; any
other window recomputes its month and, when its month's carry changed (a backfilled or rerun old
window), the months after it until the carry is unchanged. The union of every month's closed
episodes and the last month's carry equals the `monitor_alerts` view over the window files
(storage.alerts), which stays the reference: `monitors report` rebuilds this state from the
window files."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from monitors.core.granularity import compute_series_parts
from monitors.core.location import Location
from monitors.core.measurement import Lifecycle, RuleKey
from monitors.storage import trends
from monitors.storage.alerts import ALERT_COLUMNS
from monitors.storage.files import load_names, load_table, update_table

if TYPE_CHECKING:
    import pandas as pd

STATE_SCHEMA = pa.schema([
    ("model", pa.string()), ("kind", pa.string()), ("metric", pa.string()), ("column_name", pa.string()),
    ("segment", pa.string()), ("opened_at", pa.timestamp("us")), ("last_seen_at", pa.timestamp("us")),
    ("resolved_at", pa.timestamp("us")), ("windows_in_alert", pa.int64()), ("first_value", pa.float64()),
    ("first_threshold", pa.float64()), ("latest_value", pa.float64()), ("latest_threshold", pa.float64()),
    ("state", pa.string())])  # closed | carry | walked (WALKED)
RULE_FIELDS = ("kind", "metric", "column_name", "segment")
WALKED = "walked"  # a state row: the month is walked up to the window starting at its last_seen_at


def state_dir(data_dir: Location, model: str) -> Location:
    return data_dir / "alerts" / f"model={model}"


def state_file(data_dir: Location, model: str, month: str) -> Location:
    return state_dir(data_dir, model) / f"month={month}.parquet"


def month_episodes(model: str, carry_in: list[dict[str, Any]], trend: pd.DataFrame,
                           at: datetime | None = None) -> tuple[list[dict[str, Any]], Lifecycle]:
    """A month's state (closed episodes, then the carry at its end) from the previous month's
    carry and the month's trend rows; and, for the window starting `at`, its broken rules'
    episode starts and windows so far, and the episodes it resolved. Only the rules that alert
    in the month or come in alert are walked (the others neither open nor close an episode)."""
    import pandas as pd

    open_: dict[RuleKey, dict[str, Any]] = {tuple(e[f] for f in RULE_FIELDS): dict(e)  # type: ignore[misc]
                                            for e in carry_in}
    judged = trend[trend["status"].isin(["ok", "alert"])]
    alert = judged[judged["status"] == "alert"]  # the rows of metrics and columns that alert or
    metrics = {*alert["metric"], *(e["metric"] for e in carry_in)}  # come in alert (a superset) first
    columns = {*alert["column_name"].dropna(), *(e["column_name"] for e in carry_in)}  # None: whole-model
    named = judged["column_name"].isin(columns - {None})
    if None in columns or alert["column_name"].isna().any():
        named |= judged["column_name"].isna()
    judged = judged[judged["metric"].isin(metrics) & named]
    judged = judged.sort_values("window_start", kind="stable")
    fields = [judged[f].astype(object).where(judged[f].notna(), None).tolist()
              for f in (*RULE_FIELDS, "value", "threshold")]
    rules = list(zip(*fields[:4], strict=True))
    statuses = judged["status"].tolist()
    alerting = {r for r, s in zip(rules, statuses, strict=True) if s == "alert"} | set(open_)
    starts = judged["window_start"].to_numpy().astype("datetime64[ns]").astype("int64").tolist()
    wanted = None if at is None else int(pd.Timestamp(at).value)
    closed: list[dict[str, Any]] = []
    lifecycle = Lifecycle()
    for start, status, rule, value, threshold in zip(starts, statuses, rules, *fields[4:], strict=True):
        if rule not in alerting:
            continue
        episode = open_.get(rule)
        if status == "alert":
            if episode is None:
                episode = open_[rule] = {"model": model, **dict(zip(RULE_FIELDS, rule, strict=True)),
                                         "opened_at": start, "first_value": value,
                                         "first_threshold": threshold, "windows_in_alert": 0,
                                         "resolved_at": None}
            episode.update(windows_in_alert=episode["windows_in_alert"] + 1, last_seen_at=start,
                           latest_value=value, latest_threshold=threshold)
            if start == wanted:
                lifecycle.since[rule] = (opened_moment(episode), episode["windows_in_alert"])
        elif episode is not None:
            closed.append({**open_.pop(rule), "resolved_at": start, "state": "closed"})
            if start == wanted:
                lifecycle.resolved.append((rule, opened_moment(episode), episode["windows_in_alert"]))
    lifecycle.resolved.sort(key=resolved_order)
    carry = [{**e, "state": "carry"} for _, e in sorted(open_.items(), key=lambda i: str(i[0]))]
    moments = ("opened_at", "last_seen_at", "resolved_at")
    return [{**e, **{m: moment(e[m]) for m in moments}} for e in closed + carry], lifecycle


def resolved_order(found: tuple[RuleKey, datetime, int]) -> tuple[str, ...]:
    return tuple("\uffff" if p is None else str(p) for p in found[0])


def opened_moment(episode: dict[str, Any]) -> datetime:
    opened = moment(episode["opened_at"])
    assert opened is not None
    return opened


def moment(value: int | datetime | None) -> datetime | None:
    """A naive UTC datetime from nanoseconds since the epoch (a carried episode's already is one)."""
    import pandas as pd

    return value if value is None or isinstance(value, datetime) else pd.Timestamp(value).to_pydatetime()


def carry_rows(state: pa.Table | None) -> list[dict[str, Any]]:
    if state is None:
        return []
    return [row for row in state.to_pylist() if row["state"] == "carry"]


def load_state_months(data_dir: Location, model: str) -> list[str]:
    names = load_names(state_dir(data_dir, model), "month=*.parquet")
    return sorted(n.name.removeprefix("month=").removesuffix(".parquet") for n in names)


def load_carry_before(data_dir: Location, model: str, month: str, months: list[str]) -> list[dict[str, Any]]:
    """The carry at the end of the last month before `month` that has a state."""
    earlier = [m for m in months if m < month]
    if not earlier:
        return []
    return carry_rows(load_table(state_file(data_dir, model, earlier[-1]), schema=STATE_SCHEMA))


def replace_month_state(data_dir: Location, model: str, month: str, months: list[str],
                        stored: datetime | None = None) -> bool:
    """Recompute the month's state (compare-and-set: inputs re-read on every attempt); True when
    its carry changed (the next month's state must follow). `stored`: the window (naive UTC
    start) whose storing asks; when it starts after every window the state has walked, only the
    windows after those are walked, from the state's carry (the same state: the walk is in
    window order), else the whole month."""
    changed = [False]

    def change(old: pa.Table | None) -> pa.Table:
        walked = walked_until(old)
        if stored is not None and walked is not None and stored > walked:
            later = trends.load_month_table(data_dir, model, month, walked + timedelta(microseconds=1))
            rows = walk_month(model, carry_rows(old), later, walked)
            rows = [r for r in old.to_pylist() if r["state"] == "closed"] + rows  # type: ignore[union-attr]
        else:
            carry_in = load_carry_before(data_dir, model, month, months)
            rows = walk_month(model, carry_in, trends.load_month_table(data_dir, model, month), None)
        new = pa.Table.from_pylist(rows, schema=STATE_SCHEMA)
        changed[0] = carry_rows(old) != carry_rows(new)
        return new

    update_table(state_file(data_dir, model, month), change, f"model {model}", schema=STATE_SCHEMA)
    return changed[0]


def walk_month(model: str, carry_in: list[dict[str, Any]], rows: pa.Table | None, walked: datetime | None
               ) -> list[dict[str, Any]]:
    """The state rows from walking `rows` (a month's trend rows, or those after the windows
    walked) from `carry_in`, and the row saying up to which window the month is walked."""
    found, _ = month_episodes(model, carry_in, trends.alerting_rows(rows, {e["metric"] for e in carry_in}))
    if rows is not None and rows.num_rows:
        walked = rows["window_start"][-1].as_py()  # the files are sorted by window
    return found + ([] if walked is None else [{"model": model, "last_seen_at": walked, "state": WALKED}])


def walked_until(state: pa.Table | None) -> datetime | None:
    """The last window a month's state has walked (None: a state written before it was kept)."""
    found = [] if state is None else [r for r in state.to_pylist() if r["state"] == WALKED]
    return found[0]["last_seen_at"] if found else None


def replace_episodes(data_dir: Location, model: str, month: str, stored: datetime | None = None) -> None:
    """The window's month's state, then later months' (whole) while the carry changes."""
    months = sorted(set(trends.load_months(data_dir, model)) | {month})
    for later in [m for m in months if m >= month]:
        if not replace_month_state(data_dir, model, later, months, stored if later == month else None):
            break


def load_window_lifecycle(data_dir: Location, model: str, start: datetime) -> Lifecycle:
    """For the window starting at `start` (naive UTC): each broken rule's episode start and its
    windows in alert up to this one; the episodes it resolved: from its month's state when the
    window is the last the state walked, else its month walked again."""
    month = trends.month_of(start)
    state = load_table(state_file(data_dir, model, month), schema=STATE_SCHEMA)
    if state is not None and walked_until(state) == start:
        return state_lifecycle(state.to_pylist(), start)
    carry_in = load_carry_before(data_dir, model, month, load_state_months(data_dir, model))
    return month_episodes(model, carry_in, load_alerting(data_dir, model, month, carry_in), start)[1]


def state_lifecycle(rows: list[dict[str, Any]], start: datetime) -> Lifecycle:
    """The lifecycle of the last window a month's state walked: its episodes in alert at it (in
    the carry, last seen then) and those it resolved."""
    lifecycle = Lifecycle()
    for row in rows:
        rule: RuleKey = tuple(row[f] for f in RULE_FIELDS)  # type: ignore[assignment]
        if row["state"] == "carry" and row["last_seen_at"] == start:
            lifecycle.since[rule] = (row["opened_at"], row["windows_in_alert"])
        elif row["state"] == "closed" and row["resolved_at"] == start:
            lifecycle.resolved.append((rule, row["opened_at"], row["windows_in_alert"]))
    lifecycle.resolved.sort(key=resolved_order)
    return lifecycle


def load_alerting(data_dir: Location, model: str, month: str, carry_in: list[dict[str, Any]]) -> pd.DataFrame:
    """The month's trend rows month_episodes walks (those of rules alerting in it or carried in
    alert, a superset)."""
    return trends.load_month_alerting(data_dir, model, month, {e["metric"] for e in carry_in})


def load_episodes(data_dir: Location, model: str, open_only: bool = False) -> pd.DataFrame:
    """The model's episodes from the state: every month's closed ones and the last month's carry
    (open); open_only reads the last month alone."""
    import pandas as pd

    months = load_state_months(data_dir, model)
    rows: list[dict[str, Any]] = []
    for month in months[-1:] if open_only else months:
        state = load_table(state_file(data_dir, model, month), schema=STATE_SCHEMA)
        found = [] if state is None else state.to_pylist()
        rows += [r for r in found if r["state"] == "carry"] if month == months[-1] else []
        rows += [r for r in found if r["state"] == "closed"] if not open_only else []
    frame = pd.DataFrame(rows, columns=[*ALERT_COLUMNS, "state"])[ALERT_COLUMNS]
    name, granularity = compute_series_parts(model)  # as monitor_alerts has them: credit_risk, weekly
    frame["model"], frame["granularity"] = name, pd.Series([granularity] * len(frame), index=frame.index,
                                                           dtype=object)
    frame["windows_in_alert"] = frame["windows_in_alert"].astype("int64")
    for column in ("opened_at", "last_seen_at", "resolved_at"):  # as the view types them
        frame[column] = frame[column].astype("datetime64[us]")
    order = frame[list(RULE_FIELDS)].astype(str).assign(opened_at=frame["opened_at"])
    return frame.loc[order.sort_values([*RULE_FIELDS, "opened_at"]).index].reset_index(drop=True)


def write_episodes(data_dir: Location, model: str) -> None:
    """Every month's state anew, in order (repair)."""
    from monitors.storage.files import delete_tree

    delete_tree(state_dir(data_dir, model))
    months = trends.load_months(data_dir, model)
    for month in months:
        replace_month_state(data_dir, model, month, months)
