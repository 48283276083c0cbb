"""The access-log actions the meetings app writes. Found and registered by audit at start-up
(audit.actions.discover). A code, once written, is never reused or renamed."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from audit.actions import Label

ACTIONS: tuple[tuple[str, str, Label], ...] = (
    ("MEETING_BOOKED", "meeting_booked", _("Meeting booked")),
    ("MEETING_MOVED", "meeting_moved", _("Meeting moved")),
    ("MEETING_CANCELLED", "meeting_cancelled", _("Meeting cancelled")),
    ("MEETING_OUTCOME", "meeting_outcome", _("Meeting outcome recorded")),
    ("FREE_TIME_CHANGED", "free_time_changed", _("Free time changed")),
    ("VIDEO_JOINED", "video_joined", _("Joined a video meeting")),
    ("VIDEO_ADMITTED", "video_admitted", _("Let the participant into a video meeting")),
    ("VIDEO_LEFT", "video_left", _("Ended a video meeting")),
)
