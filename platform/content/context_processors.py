"""The help box and the site's name, from the `HelpSettings` site setting (safety rule 5).

Listed after `accounts.context_processors.omtag` in settings, so these keys win over the
installation defaults that processor also provides (and that are used here as the fallback
when no Wagtail site answers the request or the database cannot be read)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .models import (
    DEFAULT_THERAPIST_SEES_EN,
    DEFAULT_THERAPIST_SEES_SV,
    HelpSettings,
    default_safety_lines,
)


def _safety_lines(stream: Any, english: bool) -> list[dict[str, Any]]:
    lines = []
    for child in stream:
        value = child["value"] if isinstance(child, dict) else child.value
        hours = (value.get("hours_en") if english else "") or value.get("hours", "")
        lines.append(
            {
                "name": value["name"],
                "number": value["number"],
                "hours": hours,
                "chat_url": value.get("chat_url") or "",
            }
        )
    return lines


def _fallback() -> dict[str, Any]:
    english = (get_language() or "").startswith("en")
    return {
        "site_name": settings.SITE_NAME,
        "help_emergency": "112",
        "help_lines": settings.HELP_LINES,
        "help_not_realtime": _("Messages in Omtag are not read in real time."),
        "help_safety_lines": _safety_lines(default_safety_lines(), english),
        "help_therapist_sees": DEFAULT_THERAPIST_SEES_EN if english else DEFAULT_THERAPIST_SEES_SV,
    }


def help_box(request: HttpRequest) -> dict[str, Any]:
    try:
        # Wagtail caches the site and the setting on the request: two queries (the site
        # lookup and the setting) the first time in a request, none after.
        help_settings = HelpSettings.for_request(request)
    except (HelpSettings.DoesNotExist, DatabaseError):
        return _fallback()
    english = (get_language() or "").startswith("en")
    lines: list[dict[str, Any]] = [
        {
            "name": _("Emergency"),
            "number": help_settings.emergency_number,
            "hours": _("always open"),
        }
    ]
    for child in help_settings.crisis_lines:
        value = child.value
        hours = (value.get("hours_en") if english else "") or value.get("hours", "")
        lines.append({"name": value["name"], "number": value["number"], "hours": hours})
    return {
        "site_name": help_settings.site_display_name or settings.SITE_NAME,
        "help_emergency": help_settings.emergency_number,
        "help_lines": lines,
        "help_not_realtime": help_settings.not_realtime_en
        if english
        else help_settings.not_realtime_sv,
        # For the safety section (templates/includes/safety_now.html), shown only after an
        # answer or a message that signals thoughts of death or self-harm.
        "help_safety_lines": _safety_lines(help_settings.safety_lines, english),
        "help_therapist_sees": help_settings.therapist_sees_en
        if english
        else help_settings.therapist_sees_sv,
    }
