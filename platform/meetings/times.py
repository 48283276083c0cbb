"""Wall-clock free time to instants, in Europe/Stockholm, across daylight-saving changes.

A therapist's hours are kept as they wrote them ("Tuesdays 09:00-12:00"); this turns them into
instants for one date with zoneinfo, so the hours stay 09:00-12:00 on the clock on both sides of
a change. The two changes a year:

- spring (last Sunday of March, 02:00 → 03:00): a wall time in the missing hour does not exist;
  a window edge there moves to the first time that does (03:00), and no meeting starts there;
- autumn (last Sunday of October, 03:00 → 02:00): a wall time in the repeated hour exists twice;
  the first (summer time) is used, as most calendars do.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

ZONE = ZoneInfo("Europe/Stockholm")
# The steps at which free time is offered to a participant, and the length of a meeting they
# book themselves (a therapist chooses the length of the meetings they book).
STEP = timedelta(minutes=30)
DEFAULT_MINUTES = 45
LENGTHS = (30, 45, 60, 90)


def zone() -> ZoneInfo:
    """The zone free time is written in: the installation's (TIME_ZONE), Stockholm by default."""
    return ZoneInfo(settings.TIME_ZONE) if settings.TIME_ZONE else ZONE


def exists(day: date, clock: time) -> bool:
    """Whether `clock` on `day` is a time the wall clock shows (not in the spring gap)."""
    local = datetime.combine(day, clock, tzinfo=zone())
    back = local.astimezone(UTC).astimezone(zone())
    return back.replace(tzinfo=None) == local.replace(tzinfo=None)


def instant(day: date, clock: time) -> datetime:
    """The instant (UTC) of `clock` on `day`: the first occurrence in the repeated autumn
    hour; in the spring gap, the first minute after it."""
    local = datetime.combine(day, clock.replace(fold=0), tzinfo=zone())
    if not exists(day, clock):
        # Walk forward to the end of the gap (an hour in Europe; bounded for any zone).
        for minutes in range(1, 24 * 60):
            later = (datetime.combine(day, clock) + timedelta(minutes=minutes)).time()
            if exists(day, later):
                local = datetime.combine(day, later, tzinfo=zone())
                break
    return local.astimezone(UTC)


def local(moment: datetime) -> datetime:
    return moment.astimezone(zone())


@dataclass(frozen=True)
class Window:
    """Free time as instants: [starts, ends)."""

    starts: datetime
    ends: datetime

    def holds(self, starts: datetime, ends: datetime) -> bool:
        return self.starts <= starts and ends <= self.ends


def window(day: date, starts: time, ends: time) -> Window | None:
    """One stretch of wall-clock free time on `day` as instants; None if nothing of it exists
    (e.g. 02:15-02:45 on the spring Sunday)."""
    first, last = instant(day, starts), instant(day, ends)
    return Window(first, last) if first < last else None


def days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def starts_in(win: Window, minutes: int) -> Iterator[datetime]:
    """The offered start times in a window: every STEP on the wall clock from the window's
    start, while a meeting of `minutes` still fits. Stepping on the wall clock (not in UTC)
    keeps the offers on the half hour after a change; a start in the spring gap is skipped."""
    length = timedelta(minutes=minutes)
    start_local = local(win.starts).replace(tzinfo=None)
    step = 0
    while True:
        wall = start_local + step * STEP
        step += 1
        if not exists(wall.date(), wall.time()):
            continue
        moment = instant(wall.date(), wall.time())
        if moment + length > win.ends:
            return
        if moment >= win.starts:
            yield moment


def overlaps(starts: datetime, ends: datetime, busy: Iterable[tuple[datetime, datetime]]) -> bool:
    return any(b_starts < ends and starts < b_ends for b_starts, b_ends in busy)
