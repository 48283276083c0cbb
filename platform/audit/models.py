"""The access log. Rows are written once and never changed or removed by the application."""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("Audit events are append-only.")

    def delete(self) -> NoReturn:
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logged out")
        LOGOUT_EVERYWHERE = "logout_everywhere", _("Logged out everywhere")
        OTP_VERIFIED = "otp_verified", _("Second factor verified")
        OTP_FAILED = "otp_failed", _("Wrong second-factor code")
        OTP_ENROLLED = "otp_enrolled", _("Second factor enrolled")
        RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
        RECOVERY_CODES_REGENERATED = "recovery_codes_regenerated", _("Recovery codes renewed")
        REAUTHENTICATED = "reauthenticated", _("Confirmed identity again")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET = "password_reset", _("Password reset")
        EMAIL_CHANGED = "email_changed", _("Email changed")
        INVITATION_SENT = "invitation_sent", _("Invitation sent")
        INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
        ACCOUNT_LOCKED = "account_locked", _("Account locked")
        ACCOUNT_UNLOCKED = "account_unlocked", _("Account unlocked")
        ROLES_CHANGED = "roles_changed", _("Roles changed")
        RECORD_VIEWED = "record_viewed", _("Record viewed")
        ENROLLMENT_CREATED = "enrollment_created", _("Enrollment created")
        MODULE_UNLOCKED = "module_unlocked", _("Module unlocked")
        MODULE_LOCKED = "module_locked", _("Module locked")
        CARE_TEAM_CHANGED = "care_team_changed", _("Therapist assignment changed")
        RISK_ACKNOWLEDGED = "risk_acknowledged", _("Risk signal acknowledged")
        NO_REPLY_NEEDED = "no_reply_needed", _("Message marked as needing no reply")
        NOTE_WRITTEN = "note_written", _("Case note written")
        ENROLLMENT_STATUS_CHANGED = "enrollment_status_changed", _("Treatment status changed")
        PARTNER_CONSENT_RECORDED = "partner_consent_recorded", _("Partner-contact consent recorded")
        PARTNER_CONSENT_WITHDRAWN = (
            "partner_consent_withdrawn",
            _("Partner-contact consent withdrawn"),
        )
        PARTNER_CASE_OPENED = "partner_case_opened", _("Partner case opened")
        PARTNER_CASE_CHANGED = "partner_case_changed", _("Partner case changed")
        PARTNER_CASE_ASSIGNED = "partner_case_assigned", _("Partner-contact worker assigned")
        PARTNER_CONVERSATION_LOGGED = (
            "partner_conversation_logged",
            _("Partner conversation logged"),
        )
        PARTNER_ASSESSMENT_RECORDED = "partner_assessment_recorded", _("Risk assessment recorded")
        PARTNER_RISK_SHARED = "partner_risk_shared", _("Risk level shared with the therapist")
        PARTNER_SAFETY_PLAN_SAVED = "partner_safety_plan_saved", _("Safety plan saved")
        REFERRAL_RECEIVED = "referral_received", _("Request for help received")
        REFERRAL_ENTERED = "referral_entered", _("Referral entered")
        REFERRAL_CONTACTED = "referral_contacted", _("First contact with a referred person")
        REFERRAL_SCREENED = "referral_screened", _("Screening saved")
        REFERRAL_ENROLLED = "referral_enrolled", _("Referral enrolled")
        REFERRAL_REFERRED_ELSEWHERE = "referral_referred_elsewhere", _("Referred elsewhere")
        REFERRAL_CLOSED = "referral_closed", _("Referral closed")
        REFERRAL_REOPENED = "referral_reopened", _("Referral reopened")
        # records: a person's own data, retention and erasure.
        OWN_DATA_DOWNLOADED = "own_data_downloaded", _("Own data downloaded")
        RECORD_ANONYMISED = "record_anonymised", _("Treatment record anonymised")
        REFERRAL_ANONYMISED = "referral_anonymised", _("Referral anonymised")
        ERASURE_CARRIED_OUT = "erasure_carried_out", _("Erasure request carried out")
        RISK_TERM_ADDED = "risk_term_added", _("Risk word added")
        RISK_TERM_CHANGED = "risk_term_changed", _("Risk word turned on or off")

    id = models.BigAutoField(primary_key=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events_as_actor",
    )
    # Kept as text too, so the row still says who it was if the account is ever anonymised.
    actor_label = models.CharField(max_length=254, blank=True)
    actor_roles = models.CharField(max_length=200, blank=True)
    # A code from Action, stored without `choices`: a new action is one line in Action and no
    # migration of the access log's table.
    action = models.CharField(max_length=40, db_index=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events_as_subject",
        help_text="Whose record the event concerns.",
    )
    # What exactly was touched: e.g. "enrollment", "<uuid>", "answers".
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "created_at"]),
            models.Index(fields=["actor", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("Audit events are append-only.")

    @property
    def action_label(self) -> str:
        """The action's name in the reader's language, or its code if it is no longer known."""
        try:
            return str(self.Action(self.action).label)
        except ValueError:
            return self.action

    @property
    def detail_display(self) -> str:
        """`detail` in the reader's language where the words are known (the callers mark theirs
        with gettext_noop); the row itself keeps what was written, in English."""
        return gettext(self.detail) if self.detail else ""
