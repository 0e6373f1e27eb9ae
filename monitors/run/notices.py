"""Whether a notifier sends (Airflow's notifiers ask this; monitors/ never imports airflow): a
failing window notifies when the model's set of open alerts differs from the one last sent, or
when notify.repeat_every has passed since (0: always); a passing window sends a RESOLVED notice
when the alerts last sent about have all cleared."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from monitors.config import ModelConfig
from monitors.reports.text import compute_episode_rule, compute_rule_subject
from monitors.storage import notices, results


@dataclass(frozen=True)
class Notice:
    send: bool
    text: str = ""  # for a RESOLVED notice: what cleared


def compute_open_alerts(config: ModelConfig) -> tuple[str, ...]:
    """The model's open alerts, each as its rule (without values: they change every window)."""
    found = results.load_alerts(config.store_path, config.model, open_only=True)
    return tuple(sorted({compute_rule_subject(compute_episode_rule(e)) for e in found.to_dict("records")}))


def run_failing_notice(config: ModelConfig, now: datetime) -> Notice:
    """A window broke rules: send when the open alerts changed, or repeat_every has passed."""
    repeat = config.airflow.notify.repeat_every
    current = compute_open_alerts(config)

    def decide(old: notices.NoticeState) -> notices.NoticeState | None:
        due = not repeat or old.sent_at is None or now - old.sent_at >= repeat
        return notices.NoticeState(current, now) if due or set(current) != set(old.open) else None

    return Notice(notices.replace_notice_state(config.store_path, config.model, decide) is not None)


def run_passing_notice(config: ModelConfig, now: datetime) -> Notice:
    """A window broke no rule: a RESOLVED notice once every alert last sent about has cleared."""
    current = compute_open_alerts(config)
    cleared: list[str] = []

    def decide(old: notices.NoticeState) -> notices.NoticeState | None:
        if not old.open or current:
            return None
        cleared.extend(old.open)
        return notices.NoticeState((), now)

    sent = notices.replace_notice_state(config.store_path, config.model, decide) is not None
    text = f"model {config.model}: RESOLVED, no open alerts: " + "; ".join(cleared) if sent else ""
    return Notice(sent, text)
