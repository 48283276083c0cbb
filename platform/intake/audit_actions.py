"""The access-log actions the intake app writes: referrals, from the request for help to enrolment
or closing.

Found and registered by audit at start-up (audit.actions.discover); callers name them as
`AuditEvent.Action.<NAME>`. A code, once written, is never reused or renamed: old rows keep it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from audit.actions import Label

ACTIONS: tuple[tuple[str, str, Label], ...] = (
    ("REFERRAL_RECEIVED", "referral_received", _("Request for help received")),
    ("REFERRAL_ENTERED", "referral_entered", _("Referral entered")),
    ("REFERRAL_CONTACTED", "referral_contacted", _("First contact with a referred person")),
    ("REFERRAL_SCREENED", "referral_screened", _("Screening saved")),
    ("REFERRAL_ENROLLED", "referral_enrolled", _("Referral enrolled")),
    ("REFERRAL_REFERRED_ELSEWHERE", "referral_referred_elsewhere", _("Referred elsewhere")),
    ("REFERRAL_CLOSED", "referral_closed", _("Referral closed")),
    ("REFERRAL_REOPENED", "referral_reopened", _("Referral reopened")),
)
