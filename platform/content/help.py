"""Whose help box a page shows: the organisation's own (OrganisationHelp) where it has set
one, else the installation's (the HelpSettings site setting). A participant reads their
organisation's; the ask-for-help form of an organisation (/help/<slug>/) shows that
organisation's; everyone else the installation's."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts import scope
from accounts.models import Role
from organisations.models import Organisation

from .models import (
    DEFAULT_THERAPIST_SEES_EN,
    DEFAULT_THERAPIST_SEES_SV,
    HelpSettings,
    OrganisationHelp,
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


def installation_help_box(request: HttpRequest) -> dict[str, Any]:
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


# The request attribute that keeps the participant's organisation's help for the request.
_CACHE = "_omtag_organisation_help"


def participant_help(request: HttpRequest) -> OrganisationHelp | None:
    """The help box of the signed-in participant's organisation, if it has one (one query,
    once per request)."""
    if hasattr(request, _CACHE):
        cached: OrganisationHelp | None = getattr(request, _CACHE)
        return cached
    found: OrganisationHelp | None = None
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False) and getattr(user, "is_participant", False):
        organisations = scope.organisations_where(user, Role.PARTICIPANT)  # type: ignore[arg-type]
        if len(organisations) == 1:
            try:
                found = OrganisationHelp.objects.filter(organisation_id__in=organisations).first()
            except DatabaseError:
                found = None
    setattr(request, _CACHE, found)
    return found


def organisation_help(organisation: Organisation) -> OrganisationHelp | None:
    return OrganisationHelp.objects.filter(organisation=organisation).first()


def with_organisation(box: dict[str, Any], help: OrganisationHelp | None) -> dict[str, Any]:
    """The installation's help box `box` with what the organisation has set put in place."""
    if help is None:
        return box
    english = (get_language() or "").startswith("en")
    box = dict(box)
    if help.site_display_name:
        box["site_name"] = help.site_display_name
    if help.emergency_number:
        box["help_emergency"] = help.emergency_number
    if help.crisis_lines:
        box["help_lines"] = [
            {
                "name": _("Emergency"),
                "number": box["help_emergency"],
                "hours": _("always open"),
            },
            *(
                {
                    "name": line.get("name", ""),
                    "number": line.get("number", ""),
                    "hours": (line.get("hours_en") if english else "") or line.get("hours", ""),
                }
                for line in help.crisis_lines
            ),
        ]
    elif help.emergency_number and box.get("help_lines"):
        lines = [dict(line) for line in box["help_lines"]]
        lines[0]["number"] = help.emergency_number
        box["help_lines"] = lines
    not_realtime = help.not_realtime_en if english else help.not_realtime_sv
    if not_realtime:
        box["help_not_realtime"] = not_realtime
    return box


def organisation_help_box(request: HttpRequest, organisation: Organisation) -> dict[str, Any]:
    """The help box for a page about `organisation` (its ask-for-help form)."""
    return with_organisation(installation_help_box(request), organisation_help(organisation))
