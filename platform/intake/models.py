"""How people come in: a referral (from the public "ask for help" form or entered by staff
for a partner agency), the screening, and the therapist's decision: enrol, refer elsewhere,
or close. The referral keeps its dates, so waiting times and the organisation's funnel are
computed from it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from modules.models import Enrollment


class ReferralSource(models.TextChoices):
    SELF = "self", _("Asked for help themselves")
    SOCIAL_SERVICES = "social_services", _("Social services")
    PROBATION = "probation", _("Probation service")
    POLICE = "police", _("Police")
    HEALTHCARE = "healthcare", _("Health care")
    OTHER = "other", _("Other")


class ReferralStatus(models.TextChoices):
    NEW = "new", _("Waiting")
    SCREENING = "screening", _("Being screened")
    ENROLLED = "enrolled", _("Enrolled")
    REFERRED_ELSEWHERE = "referred_elsewhere", _("Referred elsewhere")
    CLOSED = "closed", _("Closed")


OPEN_REFERRAL_STATUSES = [ReferralStatus.NEW, ReferralStatus.SCREENING]


class MayLeaveMessage(models.TextChoices):
    UNKNOWN = "unknown", _("Not said")
    YES = "yes", _("Yes")
    NO = "no", _("No")


class Referral(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=20, choices=ReferralSource.choices)
    # The unit whose queue it is in; its staff alone see it.
    unit = models.ForeignKey("organisations.Unit", on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Staff who entered an agency's referral; empty for the public form.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The person, as little as lets a therapist call back safely.
    name = models.CharField(_("name or alias"), max_length=120)
    phone = models.CharField(_("phone number"), max_length=40)
    safe_times = models.CharField(_("when it is safe to call"), max_length=300, blank=True)
    may_leave_message = models.CharField(
        _("may we leave a message?"),
        max_length=10,
        choices=MayLeaveMessage.choices,
        default=MayLeaveMessage.UNKNOWN,
    )
    situation = models.TextField(_("a few words about the situation"), max_length=2000, blank=True)
    # A partner agency's referral.
    agency = models.CharField(_("referring agency"), max_length=200, blank=True)
    agency_contact = models.CharField(_("contact person at the agency"), max_length=200, blank=True)
    consent_to_contact = models.BooleanField(
        _("the person consents to being contacted"), default=False
    )
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.NEW, db_index=True
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_contact_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True, max_length=2000)
    referred_to = models.CharField(_("referred to"), max_length=200, blank=True)
    enrollment = models.OneToOneField(
        Enrollment, null=True, blank=True, on_delete=models.SET_NULL, related_name="referral"
    )

    class Meta:
        ordering = ["received_at", "pk"]

    def __str__(self) -> str:
        return f"Referral {self.public_id}"


class Screening(models.Model):
    """The intake questionnaire's answers (keys of intake.screening.QUESTIONS)."""

    referral = models.OneToOneField(Referral, on_delete=models.CASCADE, related_name="screening")
    answers = models.JSONField(default=dict)
    notes = models.TextField(blank=True, max_length=20_000)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    screened_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Screening {self.referral_id}"


class ReferralEventKind(models.TextChoices):
    RECEIVED = "received", _("Asked for help through the form")
    ENTERED = "entered", _("Referral entered")
    CONTACTED = "contacted", _("First contact")
    SCREENED = "screened", _("Screening saved")
    ENROLLED = "enrolled", _("Enrolled")
    REFERRED_ELSEWHERE = "referred_elsewhere", _("Referred elsewhere")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


class ReferralEvent(models.Model):
    """What happened to a referral, in order, with the reason written at the time. The
    referral itself holds only its current decision; a closed referral that is reopened
    keeps its earlier close reason here. Rows are only ever added."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=ReferralEventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.referral_id}"


class SentFormToken(models.Model):
    """The one-time part (a random nonce) of an "ask for help" form's signed fill-time token,
    recorded when the form is sent: the same token sent again makes no second referral. Kept
    only as long as a token is valid (INTAKE_FORM_MAX_AGE_HOURS); referral_submit deletes older
    rows. Holds nothing about the person."""

    nonce = models.CharField(max_length=32, primary_key=True)
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"form token sent {self.sent_at:%Y-%m-%d %H:%M}"
