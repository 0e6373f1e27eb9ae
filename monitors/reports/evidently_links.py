"""Which windows have an Evidently report, per model and month of their page keys
(reports/<model>/evidently/<YYYY-MM>.json: the page keys, sorted), added to when a report is
written, so the model page links the reports of its latest windows from one read per month
instead of a look-up per alert window (on object storage a HEAD and a LIST each). A month
without the file (reports written by an earlier version, or none yet) is found by one listing
of its windows' folders, and its file starts from that listing."""

from __future__ import annotations

import json
from collections.abc import Iterable

from monitors.core.location import Location
from monitors.storage.files import load_names_starting, load_text, update_bytes

REPORT = "evidently.html"


def links_file(reports: Location, model: str, month: str) -> Location:
    return reports / model / "evidently" / f"{month}.json"


def load_listed_keys(reports: Location, model: str, month: str) -> set[str]:
    """The month's windows whose folder holds a report, from one listing."""
    return {str(found.parent.name) for found in load_names_starting(reports / model, month, REPORT)}


def load_report_keys(reports: Location, model: str, keys: Iterable[str]) -> set[str]:
    """Of the windows' page keys, the ones with an Evidently report (one read per month)."""
    wanted = set(keys)
    found: set[str] = set()
    for month in sorted({key[:7] for key in wanted}):
        text = load_text(links_file(reports, model, month))
        found |= set(json.loads(text)) if text else load_listed_keys(reports, model, month)
    return found & wanted


def write_report_link(reports: Location, model: str, key: str) -> None:
    """The window `key` has a report now (read-modify-write: parallel reports lose none)."""
    month = key[:7]

    def change(old: bytes | None) -> bytes | None:
        keys = set(json.loads(old)) if old else load_listed_keys(reports, model, month)
        if old and key in keys:
            return None
        return json.dumps(sorted(keys | {key})).encode()

    update_bytes(links_file(reports, model, month), change, f"model {model}")
