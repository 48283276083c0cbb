"""Free time on the Stockholm wall clock, across the daylight-saving weekends of 2026 and 2027
(last Sunday of March: 02:00 → 03:00; last Sunday of October: 03:00 → 02:00)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from meetings import times

SPRING = [date(2026, 3, 29), date(2027, 3, 28)]
AUTUMN = [date(2026, 10, 25), date(2027, 10, 31)]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("sunday", SPRING + AUTUMN)
def test_the_change_days_are_the_last_sundays(sunday):
    assert sunday.weekday() == 6 and (sunday + timedelta(days=7)).month != sunday.month


@pytest.mark.parametrize("spring", SPRING)
def test_weekly_hours_keep_their_clock_time_across_the_spring_change(spring):
    """Tuesday 09:00 is 08:00 UTC in winter and 07:00 UTC in summer: the same on the clock."""
    before = spring - timedelta(days=5)  # the Tuesday before
    after = spring + timedelta(days=2)  # the Tuesday after
    assert times.instant(before, time(9)) == utc(before.year, before.month, before.day, 8)
    assert times.instant(after, time(9)) == utc(after.year, after.month, after.day, 7)
    assert times.local(times.instant(after, time(9))).time() == time(9)


@pytest.mark.parametrize("autumn", AUTUMN)
def test_weekly_hours_keep_their_clock_time_across_the_autumn_change(autumn):
    friday_before, monday_after = autumn - timedelta(days=2), autumn + timedelta(days=1)
    assert times.instant(friday_before, time(9)).hour == 7  # summer time, UTC+2
    assert times.instant(monday_after, time(9)).hour == 8  # winter time, UTC+1


@pytest.mark.parametrize("spring", SPRING)
def test_the_missing_spring_hour_offers_no_start_and_shortens_the_window(spring):
    win = times.window(spring, time(1), time(4))
    assert win is not None
    assert win.ends - win.starts == (utc(2000, 1, 1, 2) - utc(2000, 1, 1, 0))  # two real hours
    starts = [times.local(m).time() for m in times.starts_in(win, 30)]
    assert starts == [time(1), time(1, 30), time(3), time(3, 30)]
    # A window wholly inside the missing hour does not exist.
    assert times.window(spring, time(2, 15), time(2, 45)) is None
    assert not times.exists(spring, time(2, 30))


@pytest.mark.parametrize("autumn", AUTUMN)
def test_the_repeated_autumn_hour_is_taken_once_at_its_first_occurrence(autumn):
    win = times.window(autumn, time(1), time(4))
    assert win is not None
    assert win.ends - win.starts == (utc(2000, 1, 1, 4) - utc(2000, 1, 1, 0))  # four real hours
    first = times.instant(autumn, time(2, 30))
    assert first == utc(autumn.year, 10, autumn.day, 0, 30)  # summer time, the first 02:30
    starts = [times.local(m).strftime("%H:%M") for m in times.starts_in(win, 60)]
    assert starts == ["01:00", "01:30", "02:00", "02:30", "03:00"]
    instants = list(times.starts_in(win, 60))
    assert instants == sorted(set(instants))  # each once, in order


def test_a_meeting_that_does_not_fit_the_window_is_not_offered():
    win = times.window(date(2027, 1, 12), time(9), time(10))
    assert win is not None
    assert [times.local(m).time() for m in times.starts_in(win, 45)] == [time(9)]
    assert list(times.starts_in(win, 90)) == []
