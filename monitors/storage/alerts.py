"""Alert episodes, derived from the stored results (so reruns, backfills and late-label
refreshes keep them true): per rule (model, kind, metric, column, segment), a run of
consecutive judged windows in alert is one episode, from the window it opened to the first
judged window after it that is ok (resolved_at; NULL while open). Skipped windows (labels
pending, a small segment) neither open nor close one; a backfilled window between two alert
windows merges them when it alerts and splits them when it is ok. The DuckDB view
`monitor_alerts` is this SQL over `monitor_results`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from monitors.core.measurement import Lifecycle

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

ALERTS_VIEW = "monitor_alerts"
RULE = "model, granularity, kind, metric, column_name, segment"
ALERT_COLUMNS = ["model", "kind", "metric", "column_name", "segment", "opened_at", "last_seen_at",
                 "resolved_at", "windows_in_alert", "first_value", "first_threshold", "latest_value",
                 "latest_threshold", "granularity"]


def judged_sql(results: str) -> str:
    """CTEs: judged (a rule's ok and alert windows, numbered) and alerting (its alert windows,
    each with its episode: consecutive judged windows in alert share one)."""
    return f"""
WITH judged AS (
  SELECT {RULE}, window_start, value, threshold, status,
    row_number() OVER (PARTITION BY {RULE} ORDER BY window_start) AS judged_n
  FROM {results} WHERE status IN ('ok', 'alert')
), alerting AS (
  SELECT *, judged_n - row_number() OVER (PARTITION BY {RULE} ORDER BY window_start) AS episode
  FROM judged WHERE status = 'alert'
)"""


def alerts_sql(results: str) -> str:
    """The episodes of the rows of `results` (a relation or a parenthesised SELECT)."""
    return judged_sql(results) + f""", episodes AS (
  SELECT {RULE}, episode, min(window_start) AS opened_at, max(window_start) AS last_seen_at,
    count(*) AS windows_in_alert,
    arg_min(value, window_start) AS first_value, arg_min(threshold, window_start) AS first_threshold,
    arg_max(value, window_start) AS latest_value, arg_max(threshold, window_start) AS latest_threshold,
    max(judged_n) AS last_n
  FROM alerting GROUP BY {RULE}, episode
)
SELECT e.model, e.kind, e.metric, e.column_name, e.segment, e.opened_at, e.last_seen_at,
  r.window_start AS resolved_at, e.windows_in_alert, e.first_value, e.first_threshold,
  e.latest_value, e.latest_threshold, e.granularity
FROM episodes e LEFT JOIN judged r
  ON r.judged_n = e.last_n + 1 AND r.model = e.model AND r.kind = e.kind AND r.metric = e.metric
  AND r.granularity IS NOT DISTINCT FROM e.granularity
  AND r.column_name IS NOT DISTINCT FROM e.column_name AND r.segment IS NOT DISTINCT FROM e.segment
"""


def load_window_lifecycle(con: duckdb.DuckDBPyConnection, select_sql: str, model: str, start: datetime
                          ) -> Lifecycle:
    """For the window starting at `start` (naive UTC): each alerting rule's episode start and
    its windows in alert up to this one; the episodes this window resolved (`select_sql`: every
    stored row, on `con`)."""
    since_sql = judged_sql(f"({select_sql})") + f"""
SELECT kind, metric, column_name, segment, opened_at, n FROM (
  SELECT *, min(window_start) OVER (PARTITION BY {RULE}, episode) AS opened_at,
    count(*) OVER (PARTITION BY {RULE}, episode ORDER BY window_start) AS n FROM alerting)
WHERE model = ? AND window_start = ?"""
    resolved_sql = f"""SELECT kind, metric, column_name, segment, opened_at, windows_in_alert
FROM ({alerts_sql(f'({select_sql})')}) WHERE model = ? AND resolved_at = ? ORDER BY ALL"""
    since = con.execute(since_sql, [model, start]).fetchall()
    resolved = con.execute(resolved_sql, [model, start]).fetchall()
    return Lifecycle({(k, m, c, s): (opened, int(n)) for k, m, c, s, opened, n in since},
                     [((k, m, c, s), opened, int(n)) for k, m, c, s, opened, n in resolved])


def load_alerts(con: duckdb.DuckDBPyConnection, select_sql: str,
                where: tuple[list[str], list[Any]] | None = None, open_only: bool = False) -> pd.DataFrame:
    """The episodes of the stored results (`select_sql`: every stored row, on `con`; `where`:
    conditions and their parameters, e.g. one series'), newest first."""
    sql = f"SELECT * FROM ({alerts_sql(f'({select_sql})')}) WHERE true"
    params: list[Any] = []
    if where is not None:
        sql += "".join(f" AND {condition}" for condition in where[0])
        params += where[1]
    if open_only:
        sql += " AND resolved_at IS NULL"
    sql += " ORDER BY resolved_at IS NULL DESC, last_seen_at DESC, kind, metric, column_name, segment"
    return con.execute(sql, params).df()
