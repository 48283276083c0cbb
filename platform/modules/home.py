"""The participant's home page: its ONE primary next step, and the panels below it.

Panels belong to apps further down the dependency line (messages, questionnaires). They
register here from their AppConfig.ready(), so modules never imports them; each panel costs
its own fixed number of queries. A panel may offer a next step (`"next_step": NextStep`).

The next-step rule (also in the README). Of the steps on offer, the one with the lowest
priority number is shown as the one prominent card at the top; everything else sits below
it, as before:

1. QUESTIONNAIRES: questionnaires that are due (the intake ones before the first module's
   work, or those after the end). They describe the starting point, so they come before
   the module content can change the answers; each takes a few minutes.
2. CHECK_IN: the weekly check-in when it is due. It is short, due on a date, and the way the
   care team hears of a hard week; without this place it would never come first while a
   module is open.
3. MESSAGE: an unread message from the therapist: often their answer to the module the
   participant is about to continue.
4. MODULE: the current module, at the part where they left off (while the treatment is
   active).
None of these: no card, the page says where they are (e.g. waiting for the next module).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from .models import Enrollment

QUESTIONNAIRES = 10
CHECK_IN = 20
MESSAGE = 30
MODULE = 40


@dataclass(frozen=True)
class NextStep:
    priority: int
    title: str  # what to do, as a heading
    text: str  # one calm sentence about it
    url: str
    label: str  # the button


# A panel returns {"template": ..., **context} to show, or None to stay away.
HomePanel = Callable[[HttpRequest, Enrollment], dict[str, Any] | None]
HOME_PANELS: list[HomePanel] = []


def register_home_panel(panel: HomePanel) -> None:
    if panel not in HOME_PANELS:
        HOME_PANELS.append(panel)


def home_panels(request: HttpRequest, enrollment: Enrollment) -> list[dict[str, Any]]:
    return [shown for panel in HOME_PANELS if (shown := panel(request, enrollment)) is not None]


def next_step(
    panels: list[dict[str, Any]], own: list[NextStep | None] | None = None
) -> NextStep | None:
    """The one primary next step: the offered step with the lowest priority (see above);
    on a tie, the first offered."""
    offered = [step for step in own or [] if step is not None]
    offered += [panel["next_step"] for panel in panels if panel.get("next_step")]
    return min(offered, key=lambda step: step.priority, default=None)
