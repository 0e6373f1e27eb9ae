"""Failure notifiers from the model's `airflow.notify` config: email (SmtpNotifier), a Slack
incoming webhook, a generic JSON webhook. Each carries the failed task's exception text, which
for broken rules is the readable message (model, window, each rule with value and bound, the
report path)."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from airflow.sdk import BaseNotifier

from monitors.config import ModelConfig

SUBJECT = "[monitors] {{ dag.dag_id }} failed: {{ ti.task_id }}, window {{ data_interval_start }}"
BODY = ("<p>Task <b>{{ ti.task_id }}</b> of <b>{{ dag.dag_id }}</b> failed for the window "
        "{{ data_interval_start }} to {{ data_interval_end }} (run {{ run_id }}).</p>"
        "<pre>{{ exception | e }}</pre>")
TIMEOUT_SECONDS = 10


def compute_failure_text(context: dict[str, Any]) -> str:
    ti = context.get("ti") or context.get("task_instance")
    dag = context.get("dag")
    head = (f"{getattr(dag, 'dag_id', '?')}.{getattr(ti, 'task_id', '?')} failed for window "
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
        text = compute_failure_text(context)
        if self.slack:
            payload: dict[str, Any] = {"text": text}
        else:
            ti = context.get("ti")
            payload = {"dag_id": getattr(context.get("dag"), "dag_id", None),
                       "task_id": getattr(ti, "task_id", None), "run_id": context.get("run_id"),
                       "window_start": str(context.get("data_interval_start")),
                       "window_end": str(context.get("data_interval_end")),
                       "message": str(context.get("exception", ""))}
        request = urllib.request.Request(self.url, data=json.dumps(payload).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()


def compute_notifiers(config: ModelConfig) -> list[BaseNotifier]:
    notify = config.airflow.notify
    notifiers: list[BaseNotifier] = []
    if notify.email:
        from airflow.providers.smtp.notifications.smtp import SmtpNotifier

        notifiers.append(SmtpNotifier(to=notify.email, from_email=notify.from_email,
                                      smtp_conn_id=notify.smtp_conn_id, subject=SUBJECT,
                                      html_content=BODY))
    if notify.slack_webhook:
        notifiers.append(WebhookNotifier(notify.slack_webhook, slack=True))
    if notify.webhook:
        notifiers.append(WebhookNotifier(notify.webhook))
    return notifiers
