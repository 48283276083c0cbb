"""The access-log actions the content app writes. Found and registered by audit at start-up
(audit.actions.discover). A code, once written, is never reused or renamed."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from audit.actions import Label

ACTIONS: tuple[tuple[str, str, Label], ...] = (
    ("ORGANISATION_HELP_CHANGED", "organisation_help_changed", _("Help box changed")),
)
