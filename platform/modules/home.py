"""Panels on the participant's home page that belong to apps further down the dependency
line (messages, say). They register here from their AppConfig.ready(), so modules never
imports them; each panel costs its own fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from .models import Enrollment

# A panel returns {"template": ..., **context} to show, or None to stay away.
HomePanel = Callable[[HttpRequest, Enrollment], dict[str, Any] | None]
HOME_PANELS: list[HomePanel] = []


def register_home_panel(panel: HomePanel) -> None:
    if panel not in HOME_PANELS:
        HOME_PANELS.append(panel)


def home_panels(request: HttpRequest, enrollment: Enrollment) -> list[dict[str, Any]]:
    return [shown for panel in HOME_PANELS if (shown := panel(request, enrollment)) is not None]
