from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from modules.models import Enrollment

from . import selectors


def next_meeting_panel(request: HttpRequest, enrollment: Enrollment) -> dict[str, Any] | None:
    """The participant's home: their next meeting, and what the therapist changed lately (the
    in-app notice of a move or a cancellation). Two queries."""
    user = request.user
    mine = selectors.meetings_for_participant(user).filter(enrollment=enrollment)  # type: ignore[arg-type]
    upcoming = selectors.upcoming(mine).first()
    changed = list(selectors.changed_by_other_side(mine, user)[:3])  # type: ignore[arg-type]
    if upcoming is None and not changed:
        return None
    return {
        "template": "meetings/includes/home_panel.html",
        "meeting": upcoming,
        "changed": changed,
    }
