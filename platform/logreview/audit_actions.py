"""The access-log actions of log review (logguppföljning).

Found and registered by audit at start-up (audit.actions.discover); callers name them as
`AuditEvent.Action.<NAME>`. A code, once written, is never reused or renamed: old rows keep it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from audit.actions import Label

ACTIONS: tuple[tuple[str, str, Label], ...] = (
    ("LOG_REVIEW_DRAWN", "log_review_drawn", _("Log review sample drawn")),
    ("LOG_REVIEW_MARKED", "log_review_marked", _("Read in a log review judged")),
    ("LOG_REVIEW_COMPLETED", "log_review_completed", _("Log review completed")),
    ("LOG_REVIEW_EXPORTED", "log_review_exported", _("Log review exported")),
    ("LOG_REVIEW_FOLLOWED_UP", "log_review_followed_up", _("Questioned read followed up")),
)
