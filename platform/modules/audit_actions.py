"""The access-log actions the modules app writes: enrolments, the care team, treatment status,
module access and risk words.

Found and registered by audit at start-up (audit.actions.discover); callers name them as
`AuditEvent.Action.<NAME>`. A code, once written, is never reused or renamed: old rows keep it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from audit.actions import Label

ACTIONS: tuple[tuple[str, str, Label], ...] = (
    ("ENROLLMENT_CREATED", "enrollment_created", _("Enrollment created")),
    ("MODULE_UNLOCKED", "module_unlocked", _("Module unlocked")),
    ("MODULE_LOCKED", "module_locked", _("Module locked")),
    ("CARE_TEAM_CHANGED", "care_team_changed", _("Therapist assignment changed")),
    ("ENROLLMENT_STATUS_CHANGED", "enrollment_status_changed", _("Treatment status changed")),
    ("RISK_TERM_ADDED", "risk_term_added", _("Risk word added")),
    ("RISK_TERM_CHANGED", "risk_term_changed", _("Risk word turned on or off")),
    ("ENROLLMENT_BORN_ON_DAY_SET", "born_on_day_set", _("Day of birth recorded")),
)
