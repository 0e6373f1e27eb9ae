"""Whether a notifier sends (Airflow's notifiers ask this; monitors/ never imports airflow): a
failing window notifies when one of the model's open alerts is one people have not been told of
since the last notice, or when notify.repeat_every has passed since it (0: always); a passing
window sends a RESOLVED notice when every alert has cleared. An alert is its rule without the
segment (a feature drifting in some regions is one alert, however the regions flicker), and an
alert that clears and returns before everything cleared is not news."""

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


def load_open_alerts(config: ModelConfig) -> tuple[str, ...]:
    """The model's open alerts, each as its rule without the segment (and without values: they
    change every window)."""
    found = results.load_alerts(config.store_path, config.model, open_only=True)
    return tuple(sorted({compute_rule_subject((*compute_episode_rule(e)[:3], None))
                         for e in found.to_dict("records")}))


def run_failing_notice(config: ModelConfig, now: datetime) -> Notice:
    """A window broke rules: send when an open alert is news, or repeat_every has passed."""
    repeat = config.airflow.notify.repeat_every
    current = load_open_alerts(config)

    def decide(old: notices.NoticeState) -> notices.NoticeState | None:
        due = not repeat or old.sent_at is None or now - old.sent_at >= repeat
        news = set(current) - set(old.open)
        return notices.NoticeState(tuple(sorted({*current, *old.open})), now) if due or news else None

    return Notice(notices.replace_notice_state(config.store_path, config.model, decide) is not None)


def run_passing_notice(config: ModelConfig, now: datetime) -> Notice:
    """A window broke no rule: a RESOLVED notice once every alert last sent about has cleared."""
    current = load_open_alerts(config)
    cleared: list[str] = []

    def decide(old: notices.NoticeState) -> notices.NoticeState | None:
        if not old.open or current:
            return None
        cleared[:] = old.open
        return notices.NoticeState((), now)

    sent = notices.replace_notice_state(config.store_path, config.model, decide) is not None
    text = f"model {config.model}: RESOLVED, no open alerts: " + "; ".join(cleared) if sent else ""
    return Notice(sent, text)
