"""The access-log actions the content app writes.

Found and registered by audit at start-up (audit.actions.discover); callers name them as
`AuditEvent.Action.<NAME>`. A code, once written, is never reused or renamed: old rows keep it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from audit.actions import Label

ACTIONS: tuple[tuple[str, str, Label], ...] = (
    ("PROGRAMMES_OFFERED", "programmes_offered", _("Programmes offered changed")),
    ("ORGANISATION_HELP_CHANGED", "organisation_help_changed", _("Help box changed")),
)
