"""The time window a run covers: [start, end), UTC, one schedule interval."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

MAX_WINDOWS = 100_000


@dataclass(frozen=True, order=True)
class Window:
    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", compute_utc(self.start))
        object.__setattr__(self, "end", compute_utc(self.end))
        if self.end <= self.start:
            raise ValueError(f"window end {self.end} is not after its start {self.start}")

    @property
    def key(self) -> str:
        """A stable, file-name safe ISO form of the start, used in paths."""
        return self.start.strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def page_key(self) -> str:
        """The start as the window's reports folder names it."""
        return compute_page_key(self.start)

    def __str__(self) -> str:
        fmt = "%Y-%m-%d %H:%M"
        return f"[{self.start.strftime(fmt)}, {self.end.strftime(fmt)}) UTC"


def compute_page_key(start: datetime) -> str:
    """reports/<model>/<page key>/: the window's start to the minute (a pandas Timestamp too)."""
    return start.strftime("%Y-%m-%dT%H%MZ")


def compute_moment_label(moment: datetime) -> str:
    """A window's start as people read it: the day, with the time when it is not midnight."""
    midnight = (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0)
    return moment.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M")


def compute_utc(value: datetime | date | str) -> datetime:
    """A timezone-aware UTC datetime; naive values are taken as UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    # a plain datetime: subclasses (Airflow's pendulum DateTime) misbehave in arithmetic
    return datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                    value.microsecond, tzinfo=UTC)


def check_schedule(schedule: str) -> None:
    """Raise ValueError if the schedule is not a cron expression or preset."""
    if not croniter.is_valid(schedule):
        raise ValueError(f"schedule {schedule!r} is not a cron expression or @preset")


def compute_zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {timezone!r} (use an IANA name like Europe/Berlin)") from None


def compute_local(value: datetime | date | str, zone: ZoneInfo) -> datetime:
    """A bound of a range in the schedule's timezone; naive values are wall time there."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)


def iter_windows(schedule: str, start: datetime | date | str, end: datetime | date | str,
                 timezone: str = "UTC") -> Iterator[Window]:
    """Every schedule window that lies inside [start, end), oldest first. The cron expression is
    read in `timezone` (so a daily window on a DST day lasts 23 or 25 hours); naive bounds are
    wall time in that timezone; windows are returned in UTC."""
    zone = compute_zone(timezone)
    begin, stop = compute_local(start, zone), compute_local(end, zone)
    check_schedule(schedule)
    first = begin if croniter.match(schedule, begin) else croniter(schedule, begin).get_next(datetime)
    it = croniter(schedule, first)
    previous = first
    for _ in range(MAX_WINDOWS):
        following = it.get_next(datetime)
        if following > stop:
            return
        yield Window(previous, following)
        previous = following
    raise ValueError(f"more than {MAX_WINDOWS} windows between {begin} and {stop}")


def compute_windows(schedule: str, start: datetime | date | str, end: datetime | date | str,
                    timezone: str = "UTC") -> list[Window]:
    return list(iter_windows(schedule, start, end, timezone))


def compute_trailing_windows(schedule: str, window: Window, count: int, timezone: str = "UTC"
                             ) -> list[Window]:
    """The `count` schedule windows just before `window` (those inside twice their usual span:
    fewer where the schedule skips a long stretch)."""
    begin = window.start - (window.end - window.start) * 2 * (count + 1)
    known = compute_known_windows(schedule, timezone, begin, window.start)
    first = bisect.bisect_left(known, begin, key=lambda w: w.start)
    last = bisect.bisect_right(known, window.start, key=lambda w: w.end)
    return known[first:last][-count:]


_KNOWN: dict[tuple[str, str], list[Window]] = {}  # per schedule: contiguous windows computed so far
KNOWN_WINDOWS = 100_000  # kept per schedule (a run's windows and their training periods)


def compute_known_windows(schedule: str, timezone: str, begin: datetime, stop: datetime) -> list[Window]:
    """Contiguous schedule windows covering [begin, stop] (more around them): those computed for
    earlier calls, extended, so consecutive windows' trailing periods (a run's windows, each
    asking for hundreds before it) cost a few windows each, not their whole period again. The
    same windows compute_windows gives."""
    known = _KNOWN.get((schedule, timezone), [])
    if not known or stop < known[0].start or begin > known[-1].end or len(known) > KNOWN_WINDOWS:
        known = compute_windows(schedule, begin, stop, timezone)
    else:
        if begin < known[0].start:
            known = compute_windows(schedule, begin, known[0].start, timezone) + known
        if stop > known[-1].end:
            known = known + compute_windows(schedule, known[-1].end, stop, timezone)
    _KNOWN[(schedule, timezone)] = known
    return known


def compute_window_containing(schedule: str, moment: datetime | date | str) -> Window:
    """The schedule window whose [start, end) contains the moment."""
    at = compute_utc(moment)
    it = croniter(schedule, at)
    end = it.get_next(datetime)
    start = croniter(schedule, end).get_prev(datetime)
    return Window(start, end)
