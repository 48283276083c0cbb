"""The personal data `meetings` keeps: the short reasons people wrote when they moved or
cancelled a meeting. Anonymising blanks them and keeps each meeting's time, kind and outcome
(the report counts meetings held and missed); the export gives the participant's own data file
their meetings. The therapist's note about a meeting is a case note (therapist.personal_data)."""

from __future__ import annotations

from typing import Any, Final

from accounts.personal_data import local_time, scrub_text_column
from modules.models import Enrollment

from .models import Meeting

MEETING_PERSONAL_FIELDS: Final = ("change_reason",)


def meetings_anonymise(*, enrollment: Enrollment) -> None:
    meetings = Meeting.objects.filter(enrollment=enrollment)
    for name in MEETING_PERSONAL_FIELDS:
        scrub_text_column(meetings, name)


def meetings_export(enrollment: Enrollment) -> list[dict[str, Any]]:
    """The treatment's meetings, oldest first: when, how, what became of it, and the reason
    given for a move or a cancellation."""
    return [
        {
            "starts_at": local_time(m.starts_at),
            "ends_at": local_time(m.ends_at),
            "kind": str(m.get_kind_display()),
            "status": str(m.get_status_display()),
            "reason": m.change_reason,
        }
        for m in Meeting.objects.filter(enrollment=enrollment).order_by("starts_at", "pk")
    ]
