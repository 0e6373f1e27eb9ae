"""What was last sent about a model's alerts (monitoring/notices/model=<m>.json): the open alerts
it named and when, so a notifier sends only when that set changes (or after notify.repeat_every)
and says RESOLVED when it clears. Updated under the model's lock: windows run in parallel."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from monitors.storage.files import load_text, locked, write_text
from monitors.storage.results import compute_data_dir


@dataclass(frozen=True)
class NoticeState:
    open: tuple[str, ...] = ()  # the open alerts last sent about
    sent_at: datetime | None = None


def compute_notice_file(store: Path, model: str) -> Path:
    return compute_data_dir(store) / "notices" / f"model={model}.json"


def replace_notice_state(store: Path, model: str,
                         decide: Callable[[NoticeState], NoticeState | None]) -> NoticeState | None:
    """Read the state, let `decide` say the new one (None: nothing sent, nothing written), write
    it; all under the model's lock. Returns what decide returned."""
    path = compute_notice_file(store, model)
    with locked(path, f"model {model}"):
        text = load_text(path)
        found = json.loads(text) if text else {}
        old = NoticeState(tuple(found.get("open", ())),
                          datetime.fromisoformat(found["sent_at"]) if found.get("sent_at") else None)
        new = decide(old)
        if new is not None:
            write_text(path, json.dumps({"open": list(new.open),
                                         "sent_at": new.sent_at.isoformat() if new.sent_at else None}))
    return new
