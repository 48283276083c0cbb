from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from modules.home import QUESTIONNAIRES, NextStep
from modules.models import Enrollment

from .selectors import due_for


def due_panel(request: HttpRequest, enrollment: Enrollment) -> dict[str, Any] | None:
    """The participant's home: the questionnaires to fill in now, if any (two queries), and
    the first of them as the next step (modules.home: questionnaires come first)."""
    due = due_for(enrollment)
    if not due:
        return None
    first = due[0]
    step = NextStep(
        priority=QUESTIONNAIRES,
        title=first.instrument.participant_name,
        text=ngettext(
            "A questionnaire to fill in: a few minutes.",
            "%(count)s questionnaires to fill in, a few minutes each. This is the first.",
            len(due),
        )
        % {"count": len(due)},
        url=reverse("measures:fill", args=[first.occasion, first.instrument.key]),
        label=_("Fill in the questionnaire"),
    )
    return {"template": "measures/includes/home_panel.html", "due": due, "next_step": step}
