"""What a Wagtail preview of a programme page needs to look like a participant's page.

Wagtail renders a preview through the whole middleware chain with the editor's own session,
so without this the page would carry the editor's header: their staff navigation, their
language switch and their log-out button (which would log the editor out of the CMS), and
the editor's pending admin messages would be consumed by the preview."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import translation

from accounts.models import Role
from accounts.navigation import EXTRA_ITEMS, ROLE_HOMES


def participant_navigation() -> list[dict[str, Any]]:
    """The labels of the navigation a participant sees, in order (links are not needed: the
    preview shows them inert, since following one would act as the editor)."""
    seen: set[str] = set()
    items = []
    for role, url_name, label in [*ROLE_HOMES, *EXTRA_ITEMS]:
        if role == Role.PARTICIPANT and url_name not in seen:
            seen.add(url_name)
            items.append({"label": label, "url_name": url_name})
    return items


def participant_preview_context() -> dict[str, Any]:
    """Context keys that make base.html draw the participant's frame (see its header)."""
    return {
        "preview_as_participant": True,
        "preview_navigation": participant_navigation(),
        # Shadows the messages context processor, so the editor's own messages ("Page
        # saved") are neither shown in the preview nor taken from the admin.
        "messages": (),
        # Safety rule 5: every participant page has the help box, so the preview has it too.
        "show_help_box": True,
    }


def render_in_language(response: TemplateResponse, language_code: str) -> HttpResponse:
    """Render now, in the page's own language: a participant reading the English module
    reads the English header, buttons and help box around it."""
    with translation.override(language_code):
        return response.render()
