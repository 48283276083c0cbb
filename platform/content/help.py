"""Whose help box a page shows: the organisation's own (OrganisationHelp) where it has set
one, else the installation's (the HelpSettings site setting). A participant reads their
organisation's; the ask-for-help form of an organisation (/help/<slug>/) shows that
organisation's; everyone else the installation's."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
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
        # A stream child, its raw form ({"type", "value"}) or, from the cache, the value itself.
        value = child.get("value", child) if isinstance(child, dict) else child.value
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


# Every page a participant opens shows the help box, which took three queries (the site for
# the request's host, its HelpSettings, the organisation's OrganisationHelp). Their plain values
# are kept in the cache (Redis in production, shared by every process) and fetched in one
# round trip. Each entry remembers the generation it was built under; saving or deleting any
# of these rows starts a new generation (content/receivers.py), so the next page reads the
# database again: a changed crisis number is shown at once, never after a delay.
GENERATION_KEY = "omtag:help:generation"
_SITE_KEY = "omtag:help:site:{}"
_ORGANISATION_KEY = "omtag:help:organisation:{}"
_ENTRY_SECONDS = 60 * 60
_MISSING = "missing"


def help_changed() -> None:
    """Start a new generation now and again when the transaction commits (a page rendered in
    between must not keep what it read before the commit)."""

    def bump() -> None:
        _quietly(cache.set, GENERATION_KEY, secrets.token_hex(8), None)

    bump()
    transaction.on_commit(bump)


def _quietly(call: Any, *args: Any) -> Any:
    """A cache call that may fail (Redis away): the help box is then read from the database,
    as before there was a cache, and the page is still served (safety rule 5)."""
    try:
        return call(*args)
    except Exception:  # noqa: BLE001  (Redis's errors; the database is the truth)
        return None


def _generation(found: dict[str, Any]) -> str | None:
    """The current generation; None when the cache cannot be used (nothing is then trusted or
    kept)."""
    generation = found.get(GENERATION_KEY)
    if generation is None:
        _quietly(cache.add, GENERATION_KEY, secrets.token_hex(8), None)
        generation = _quietly(cache.get, GENERATION_KEY)
    return None if generation is None else str(generation)


def _fresh(found: dict[str, Any], key: str, generation: str | None) -> tuple[bool, Any]:
    entry = found.get(key)
    if generation is None:
        return False, None
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == generation:
        return True, entry[1]
    return False, None


def _site_key(request: HttpRequest) -> str:
    try:
        host = request.get_host()
    except Exception:  # a disallowed host: Django answers 400 before any page renders
        host = ""
    return _SITE_KEY.format(hashlib.sha256(host.encode()).hexdigest()[:24])


def _settings_values(help_settings: HelpSettings) -> dict[str, Any]:
    def lines(stream: Any) -> list[dict[str, Any]]:
        return [dict(child.value) for child in stream]

    return {
        "site_display_name": help_settings.site_display_name,
        "emergency_number": help_settings.emergency_number,
        "crisis_lines": lines(help_settings.crisis_lines),
        "not_realtime_sv": help_settings.not_realtime_sv,
        "not_realtime_en": help_settings.not_realtime_en,
        "safety_lines": lines(help_settings.safety_lines),
        "therapist_sees_sv": help_settings.therapist_sees_sv,
        "therapist_sees_en": help_settings.therapist_sees_en,
    }


def _organisation_values(help: OrganisationHelp | None) -> dict[str, Any] | str:
    if help is None:
        return _MISSING
    return {
        "site_display_name": help.site_display_name,
        "emergency_number": help.emergency_number,
        "crisis_lines": help.crisis_lines,
        "not_realtime_sv": help.not_realtime_sv,
        "not_realtime_en": help.not_realtime_en,
    }


def _participant_organisation(request: HttpRequest) -> int | None:
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False) and getattr(user, "is_participant", False):
        organisations = scope.organisations_where(user, Role.PARTICIPANT)  # type: ignore[arg-type]
        if len(organisations) == 1:
            return next(iter(organisations))
    return None


# The request attribute that keeps what was read for the request.
_READ = "_omtag_help_read"


def _read(request: HttpRequest) -> tuple[dict[str, Any] | None, OrganisationHelp | None]:
    """The installation's help values for the request's site (None: no site, or the database
    cannot be read) and the participant's organisation's help, from the cache in one round trip,
    from the database for what is missing or older than the current generation."""
    if hasattr(request, _READ):
        kept: tuple[dict[str, Any] | None, OrganisationHelp | None] = getattr(request, _READ)
        return kept
    organisation_id = _participant_organisation(request)
    site_key = _site_key(request)
    keys = [GENERATION_KEY, site_key]
    organisation_key = None
    if organisation_id is not None:
        organisation_key = _ORGANISATION_KEY.format(organisation_id)
        keys.append(organisation_key)
    found = _quietly(cache.get_many, keys) or {}
    generation = _generation(found)
    fresh, site_values = _fresh(found, site_key, generation)
    if not fresh:
        try:
            site_values = _settings_values(HelpSettings.for_request(request))
            if generation is not None:
                _quietly(cache.set, site_key, (generation, site_values), _ENTRY_SECONDS)
        except (HelpSettings.DoesNotExist, DatabaseError):
            site_values = None
    organisation_help: OrganisationHelp | None = None
    if organisation_key is not None and organisation_id is not None:
        fresh, values = _fresh(found, organisation_key, generation)
        if not fresh:
            try:
                values = _organisation_values(
                    OrganisationHelp.objects.filter(organisation_id=organisation_id).first()
                )
                if generation is not None:
                    _quietly(cache.set, organisation_key, (generation, values), _ENTRY_SECONDS)
            except DatabaseError:
                values = _MISSING
        if isinstance(values, dict):
            organisation_help = OrganisationHelp(organisation_id=organisation_id, **values)
    result = (site_values, organisation_help)
    setattr(request, _READ, result)
    return result


def installation_help_box(request: HttpRequest) -> dict[str, Any]:
    values, _organisation = _read(request)
    if values is None:
        return _fallback()
    english = (get_language() or "").startswith("en")
    lines: list[dict[str, Any]] = [
        {
            "name": _("Emergency"),
            "number": values["emergency_number"],
            "hours": _("always open"),
        }
    ]
    for value in values["crisis_lines"]:
        hours = (value.get("hours_en") if english else "") or value.get("hours", "")
        lines.append({"name": value["name"], "number": value["number"], "hours": hours})
    return {
        "site_name": values["site_display_name"] or settings.SITE_NAME,
        "help_emergency": values["emergency_number"],
        "help_lines": lines,
        "help_not_realtime": values["not_realtime_en"] if english else values["not_realtime_sv"],
        # For the safety section (templates/includes/safety_now.html), shown only after an
        # answer or a message that signals thoughts of death or self-harm.
        "help_safety_lines": _safety_lines(values["safety_lines"], english),
        "help_therapist_sees": values["therapist_sees_en"]
        if english
        else values["therapist_sees_sv"],
    }


def participant_help(request: HttpRequest) -> OrganisationHelp | None:
    """The help box of the signed-in participant's organisation, if it has one (read once per
    request, from the cache where it can be)."""
    return _read(request)[1]


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
