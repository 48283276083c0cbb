"""The calendar file of a meeting: a neutral title, the time, nothing else (no name, no kind,
no place, no description), so a shared or synced calendar says nothing about treatment."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from .models import Meeting


def meeting_ics(meeting: Meeting, title: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.SITE_NAME}//meetings//EN")
    calendar.add("version", "2.0")
    event = Event()
    # A stable id, so importing the file again after a move updates the one event.
    event.add("uid", f"{meeting.public_id}@omtag")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at)
    event.add("summary", title)
    if meeting.status != "scheduled":
        event.add("status", "CANCELLED")
    calendar.add_component(event)
    return calendar.to_ical()
