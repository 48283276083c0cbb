from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from modules.models import Enrollment

from .models import Side, Thread
from .selectors import unread_count


def unread_panel(request: HttpRequest, enrollment: Enrollment) -> dict[str, Any] | None:
    """The participant's home: "your therapist has written to you" and the way to the
    messages."""
    thread = Thread.objects.filter(enrollment=enrollment).first()
    if thread is None:
        return None
    return {
        "template": "messaging/includes/home_panel.html",
        "thread": thread,
        "unread": unread_count(thread, Side.PARTICIPANT),
    }
