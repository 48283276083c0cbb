"""The access-log actions the audit app writes: its own: a staff read of someone's record
(audit.services.record_access and record_read).

Found and registered by audit at start-up (audit.actions.discover); callers name them as
`AuditEvent.Action.<NAME>`. A code, once written, is never reused or renamed: old rows keep it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .actions import Label

ACTIONS: tuple[tuple[str, str, Label], ...] = (
    ("RECORD_VIEWED", "record_viewed", _("Record viewed")),
)
