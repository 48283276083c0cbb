from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from modules.home import MESSAGE, NextStep
from modules.models import Enrollment

from .models import Side, Thread
from .selectors import unread_count


def unread_panel(request: HttpRequest, enrollment: Enrollment) -> dict[str, Any] | None:
    """The participant's home: "your therapist has written to you" and the way to the
    messages; an unread message from the therapist is offered as the next step."""
    thread = Thread.objects.filter(enrollment=enrollment).first()
    if thread is None:
        return None
    unread = unread_count(thread, Side.PARTICIPANT)
    step = None
    if unread:
        step = NextStep(
            priority=MESSAGE,
            title=_("Your therapist has written to you"),
            text=ngettext("%(count)s new message.", "%(count)s new messages.", unread)
            % {"count": unread},
            url=reverse("messaging:thread", args=[thread.public_id]),
            label=_("Read the messages"),
        )
    return {
        "template": "messaging/includes/home_panel.html",
        "thread": thread,
        "unread": unread,
        "next_step": step,
    }
