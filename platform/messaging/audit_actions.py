"""The access-log actions the messaging app writes: a message marked as needing no reply.

Found and registered by audit at start-up (audit.actions.discover); callers name them as
`AuditEvent.Action.<NAME>`. A code, once written, is never reused or renamed: old rows keep it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from audit.actions import Label

ACTIONS: tuple[tuple[str, str, Label], ...] = (
    ("NO_REPLY_NEEDED", "no_reply_needed", _("Message marked as needing no reply")),
)
