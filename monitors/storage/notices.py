"""What was last sent about a model's alerts (monitoring/notices/model=<m>.json): the open alerts
it named and when, so a notifier sends only when that set changes (or after notify.repeat_every)
and says RESOLVED when it clears. Updated read-modify-write (storage.files.update_bytes): windows
run in parallel."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from monitors.core.location import Location
from monitors.storage.files import update_bytes
from monitors.storage.results import store_data_dir


@dataclass(frozen=True)
class NoticeState:
    open: tuple[str, ...] = ()  # the open alerts last sent about
    sent_at: datetime | None = None


def notice_file(store: Location, model: str) -> Location:
    return store_data_dir(store) / "notices" / f"model={model}.json"


def replace_notice_state(store: Location, model: str,
                         decide: Callable[[NoticeState], NoticeState | None]) -> NoticeState | None:
    """Read the state, let `decide` say the new one (None: nothing sent, nothing written), write
    it, as one read-modify-write (decide may be called again on a newer state: it must depend on
    its argument only). Returns what decide last returned."""
    decided: list[NoticeState | None] = [None]

    def change(text: bytes | None) -> bytes | None:
        found = json.loads(text) if text else {}
        old = NoticeState(tuple(found.get("open", ())),
                          datetime.fromisoformat(found["sent_at"]) if found.get("sent_at") else None)
        new = decided[0] = decide(old)
        if new is None:
            return None
        return json.dumps({"open": list(new.open),
                           "sent_at": new.sent_at.isoformat() if new.sent_at else None}).encode()

    update_bytes(notice_file(store, model), change, f"model {model}")
    return decided[0]
