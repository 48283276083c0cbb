"""The help box and the site's name (safety rule 5): the participant's organisation's own
where it has set one (OrganisationHelp), else the installation's `HelpSettings` site setting
(content.help).

Listed after `accounts.context_processors.omtag` in settings, so these keys win over the
installation defaults that processor also provides (and that are used as the fallback when no
Wagtail site answers the request or the database cannot be read)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .help import installation_help_box, participant_help, with_organisation


def help_box(request: HttpRequest) -> dict[str, Any]:
    return with_organisation(installation_help_box(request), participant_help(request))
