"""Partner contact: the victimised partner's safety track.

Walled off from the participant's side. Nothing in accounts, content, modules, messaging or
therapist imports this app, and every link to the participant's enrollment is declared with
`related_name="+"`, so no code on that side can reach a partner case through the enrollment
either. What crosses over is one decision the worker records: a risk level and its date,
raised as a modules.RiskSignal for the participant's therapist (`assessment_share`)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from modules.models import Enrollment


class ConsentKind(models.TextChoices):
    INFORM = "inform", _("The partner may be told that the participant is in treatment")
    SHARE = "share", _("Safety-relevant information may be passed on")


class PartnerConsent(models.Model):
    """One of the participant's two consents. A withdrawal is recorded on the same row and
    never removed; a consent given again after a withdrawal is a new row."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=ConsentKind.choices)
    given_on = models.DateField(_("given on"))
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawn_recorded_at = models.DateTimeField(null=True, blank=True)
    withdrawn_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "kind"],
                condition=Q(withdrawn_on__isnull=True),
                name="one_standing_consent_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"Consent {self.kind} {self.public_id}"

    @property
    def standing(self) -> bool:
        return self.withdrawn_on is None


class CaseStatus(models.TextChoices):
    OFFERED = "offered", _("Offered")
    DECLINED = "declined", _("Declined")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


OPEN_CASE_STATUSES = [CaseStatus.OFFERED, CaseStatus.ACTIVE]


class MayLeaveMessage(models.TextChoices):
    UNKNOWN = "unknown", _("Not asked yet")
    YES = "yes", _("Yes")
    NO = "no", _("No, never")


class PartnerCase(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="+")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OFFERED)
    status_changed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name or alias"), max_length=120)
    phone = models.CharField(_("phone number"), max_length=40, blank=True)
    address = models.TextField(_("address"), max_length=500, blank=True)
    contact_channel = models.CharField(
        _("safe way to make contact"),
        max_length=300,
        blank=True,
        help_text=_("Which number or channel is safe, for example a work phone."),
    )
    safe_times = models.CharField(_("when it is safe to call"), max_length=300, blank=True)
    may_leave_message = models.CharField(
        _("may we leave a message?"),
        max_length=10,
        choices=MayLeaveMessage.choices,
        default=MayLeaveMessage.UNKNOWN,
    )
    code_word = models.CharField(
        _("code word"),
        max_length=100,
        blank=True,
        help_text=_("A word the partner says when they cannot talk freely."),
    )
    contact_notes = models.TextField(_("other contact instructions"), max_length=2000, blank=True)
    protected_identity = models.BooleanField(
        _("protected identity"),
        default=False,
        help_text=_(
            "Address and phone are shown to the assigned worker only, and the case is left "
            "out of every export."
        ),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment"],
                condition=Q(status__in=["offered", "active"]),
                name="one_open_partner_case_per_enrollment",
            )
        ]

    def __str__(self) -> str:
        return f"Partner case {self.public_id}"

    @property
    def reference(self) -> str:
        """A short reference for staff who may not see the content (admins, the log)."""
        return str(self.public_id)[:8].upper()


class ConversationForm(models.TextChoices):
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    VIDEO = "video", _("Video")


class Conversation(models.Model):
    """A logged conversation with the partner. Append-only, like a case note."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(PartnerCase, on_delete=models.PROTECT, related_name="conversations")
    held_on = models.DateField(_("date"))
    form = models.CharField(_("form"), max_length=10, choices=ConversationForm.choices)
    minutes = models.PositiveSmallIntegerField(_("length in minutes"))
    notes = models.TextField(_("notes"), max_length=20_000)
    pass_on_requested = models.BooleanField(
        _("the partner asked for something to be passed on"), default=False
    )
    pass_on_what = models.TextField(_("what should be passed on"), max_length=2000, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-recorded_at", "-pk"]

    def __str__(self) -> str:
        return f"Conversation {self.public_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Conversations are append-only.")
        super().save(*args, **kwargs)


class RiskSection(models.TextChoices):
    SCREENING = "screening", _("Short screening questions")
    DESCRIPTION = "description", _("The violence: kinds and how often")
    DANGER = "danger", _("Danger assessment")


class ItemKind(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no / don't know")
    FREQUENCY = "frequency", _("How often")


class RiskItem(models.Model):
    """One question of the risk assessment. The instrument is data: an organisation can
    change its wording or add items without a code change; answers are stored by `key`."""

    key = models.SlugField(max_length=40, unique=True)
    section = models.CharField(max_length=12, choices=RiskSection.choices)
    kind = models.CharField(max_length=10, choices=ItemKind.choices)
    text_sv = models.CharField(max_length=300)
    text_en = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.key

    @property
    def text(self) -> str:
        return self.text_en if (get_language() or "sv").startswith("en") else self.text_sv


class AssessedLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    ACUTE = "acute", _("Acute")


class RiskAssessment(models.Model):
    """A dated assessment; every one is kept, so the case shows the history."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(PartnerCase, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField(_("date of the assessment"))
    answers = models.JSONField(default=dict)
    description = models.TextField(_("description of the violence"), max_length=20_000, blank=True)
    level = models.CharField(_("risk level"), max_length=10, choices=AssessedLevel.choices)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    shared_at = models.DateTimeField(null=True, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-assessed_on", "-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Assessment {self.public_id}"


class SafetyPlan(models.Model):
    case = models.OneToOneField(PartnerCase, on_delete=models.PROTECT, related_name="safety_plan")
    safe_places = models.TextField(_("safe places I can go to"), max_length=3000, blank=True)
    people_to_call = models.TextField(_("people I can call"), max_length=3000, blank=True)
    essentials = models.TextField(
        _("documents and essentials ready to take"), max_length=3000, blank=True
    )
    children_plan = models.TextField(_("plan for the children"), max_length=3000, blank=True)
    code_word = models.CharField(_("code word with people I trust"), max_length=100, blank=True)
    when_to_call_112 = models.TextField(_("when I call 112"), max_length=3000, blank=True)
    other = models.TextField(_("anything else"), max_length=3000, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Safety plan {self.case_id}"
