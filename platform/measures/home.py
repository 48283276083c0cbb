from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from modules.models import Enrollment

from .selectors import due_for


def due_panel(request: HttpRequest, enrollment: Enrollment) -> dict[str, Any] | None:
    """The participant's home: the questionnaires to fill in now, if any (two queries)."""
    due = due_for(enrollment)
    if not due:
        return None
    return {"template": "measures/includes/home_panel.html", "due": due}
