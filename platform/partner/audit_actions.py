"""The access-log actions the partner app writes: partner-contact consent and partner cases.

Found and registered by audit at start-up (audit.actions.discover); callers name them as
`AuditEvent.Action.<NAME>`. A code, once written, is never reused or renamed: old rows keep it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from audit.actions import Label

ACTIONS: tuple[tuple[str, str, Label], ...] = (
    ("PARTNER_CONSENT_RECORDED", "partner_consent_recorded", _("Partner-contact consent recorded")),
    (
        "PARTNER_CONSENT_WITHDRAWN",
        "partner_consent_withdrawn",
        _("Partner-contact consent withdrawn"),
    ),
    ("PARTNER_CASE_OPENED", "partner_case_opened", _("Partner case opened")),
    ("PARTNER_CASE_CHANGED", "partner_case_changed", _("Partner case changed")),
    ("PARTNER_CASE_ASSIGNED", "partner_case_assigned", _("Partner-contact worker assigned")),
    (
        "PARTNER_CONVERSATION_LOGGED",
        "partner_conversation_logged",
        _("Partner conversation logged"),
    ),
    ("PARTNER_ASSESSMENT_RECORDED", "partner_assessment_recorded", _("Risk assessment recorded")),
    ("PARTNER_RISK_SHARED", "partner_risk_shared", _("Risk level shared with the therapist")),
    ("PARTNER_SAFETY_PLAN_SAVED", "partner_safety_plan_saved", _("Safety plan saved")),
)
