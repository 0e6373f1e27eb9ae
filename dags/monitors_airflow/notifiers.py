"""Notifiers from the model's `airflow.notify` config: email (SmtpNotifier), a Slack incoming
webhook, a generic JSON webhook. Each carries the failed task's exception text, which for broken
rules is the readable message (model, window, each rule NEW or ONGOING with value and bound, the
report path). Broken rules reach people when the model's open alerts changed (or after
notify.repeat_every); any other failure always; a RESOLVED notice when the alerts clear."""

from __future__ import annotations

import json
import logging
import urllib.request
from datetime import UTC, datetime
from typing import Any

from airflow.sdk import BaseNotifier

from monitors.config import ModelConfig
from monitors.core.kinds import PARTS

SUBJECT = "[monitors] {{ dag.dag_id }} failed: {{ ti.task_id }}, window {{ data_interval_start }}"
BODY = ("<p>Task <b>{{ ti.task_id }}</b> of <b>{{ dag.dag_id }}</b> failed for the window "
        "{{ data_interval_start }} to {{ data_interval_end }} (run {{ run_id }}).</p>"
        "<pre>{{ exception | e }}</pre>")
RESOLVED_SUBJECT = "[monitors] {{ dag.dag_id }}: alerts resolved, window {{ data_interval_start }}"
RESOLVED_BODY = "<pre>{{ exception | e }}</pre>"
TIMEOUT_SECONDS = 10
RULE_TASKS = (*PARTS, "refresh_labels")  # their AirflowFailException is a broken rule
log = logging.getLogger(__name__)


def failure_text(context: dict[str, Any]) -> str:
    ti = context.get("ti") or context.get("task_instance")
    dag = context.get("dag")
    event = context.get("monitors_event", "failed")
    head = (f"{getattr(dag, 'dag_id', '?')}.{getattr(ti, 'task_id', '?')} {event} for window "
            f"{context.get('data_interval_start')} to {context.get('data_interval_end')}")
    return f"{head}\n{context.get('exception', '')}"


class WebhookNotifier(BaseNotifier):
    """POST JSON to a URL: Slack's incoming-webhook shape ({"text": ...}) or a generic one."""

    template_fields = ("url",)

    def __init__(self, url: str, slack: bool = False) -> None:
        super().__init__()
        self.url = url
        self.slack = slack

    def notify(self, context: dict[str, Any]) -> None:  # type: ignore[override]
        text = failure_text(context)
        if self.slack:
            payload: dict[str, Any] = {"text": text}
        else:
            ti = context.get("ti")
            payload = {"dag_id": getattr(context.get("dag"), "dag_id", None),
                       "task_id": getattr(ti, "task_id", None), "run_id": context.get("run_id"),
                       "window_start": str(context.get("data_interval_start")),
                       "window_end": str(context.get("data_interval_end")),
                       "event": context.get("monitors_event", "failed"),
                       "message": str(context.get("exception", ""))}
        request = urllib.request.Request(self.url, data=json.dumps(payload).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()


class OnChange(BaseNotifier):
    """The notifiers of a failure: a broken rule (a part's or refresh_labels' AirflowFailException)
    only when the model's open alerts changed or notify.repeat_every passed; others always."""

    def __init__(self, config: ModelConfig, notifiers: list[BaseNotifier]) -> None:
        super().__init__()
        self.config, self.notifiers = config, notifiers

    def notify(self, context: dict[str, Any]) -> None:  # type: ignore[override]
        from airflow.sdk.exceptions import AirflowFailException

        from monitors.run.notices import run_failing_notice
        from monitors_airflow.connections import apply_storage_connection

        apply_storage_connection(self.config)
        task = getattr(context.get("ti"), "task_id", None)
        if task in RULE_TASKS and isinstance(context.get("exception"), AirflowFailException) \
                and not run_failing_notice(self.config, datetime.now(UTC)).send:
            log.info("monitors: the open alerts are those already sent; not notified again yet")
            return
        for notifier in self.notifiers:
            notifier(context)


class OnResolved(BaseNotifier):
    """measure succeeded: a RESOLVED notice when every alert last sent about has cleared."""

    def __init__(self, config: ModelConfig, notifiers: list[BaseNotifier]) -> None:
        super().__init__()
        self.config, self.notifiers = config, notifiers

    def notify(self, context: dict[str, Any]) -> None:  # type: ignore[override]
        from monitors.run.notices import run_passing_notice
        from monitors_airflow.connections import apply_storage_connection

        apply_storage_connection(self.config)

        notice = run_passing_notice(self.config, datetime.now(UTC))
        if notice.send:
            resolved = {**context, "exception": notice.text, "monitors_event": "resolved"}
            for notifier in self.notifiers:
                notifier(resolved)


def create_channels(config: ModelConfig, subject: str, body: str) -> list[BaseNotifier]:
    """One notifier per configured channel (email, Slack, webhook)."""
    notify = config.airflow.notify
    notifiers: list[BaseNotifier] = []
    if notify.email:
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        notifiers.append(SmtpNotifier(to=notify.email, from_email=notify.from_email,
                                      smtp_conn_id=notify.smtp_conn_id, subject=subject,
                                      html_content=body))
    if notify.slack_webhook:
        notifiers.append(WebhookNotifier(notify.slack_webhook, slack=True))
    if notify.webhook:
        notifiers.append(WebhookNotifier(notify.webhook))
    return notifiers


def create_notifiers(config: ModelConfig) -> list[BaseNotifier]:
    """on_failure_callback of every task."""
    channels = create_channels(config, SUBJECT, BODY)
    return [OnChange(config, channels)] if channels else []


def create_resolved_notifiers(config: ModelConfig) -> list[BaseNotifier]:
    """on_success_callback of measure."""
    channels = create_channels(config, RESOLVED_SUBJECT, RESOLVED_BODY)
    return [OnResolved(config, channels)] if channels else []
