"""A participant's path through a programme: enrollment, module progress, answers, check-ins
and the risk signals check-ins raise.

Modules are referred to by their Swedish (original-language) ModulePage; a participant who
reads in English sees that page's translation, and answers belong to the block id, which the
translation shares."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from content.models import ModulePage, ProgramPage


class EnrollmentStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    DISCONTINUED = "discontinued", _("Discontinued")


OPEN_STATUSES = [EnrollmentStatus.INVITED, EnrollmentStatus.ACTIVE, EnrollmentStatus.PAUSED]
# A treatment that has ended: only such a treatment is anonymised (records).
ENDED_STATUSES = (EnrollmentStatus.COMPLETED, EnrollmentStatus.DISCONTINUED)


class Enrollment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollments",
        help_text="Empty until the participant accepts the invitation.",
    )
    invitation = models.OneToOneField(
        "accounts.Invitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    programme = models.ForeignKey(ProgramPage, on_delete=models.PROTECT, related_name="+")
    # Where the treatment is given: everything hanging off the enrollment (answers, messages,
    # notes, measures, the partner track) is seen by staff of this unit only.
    unit = models.ForeignKey("organisations.Unit", on_delete=models.PROTECT, related_name="+")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="caseload",
    )
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="substitute_caseload",
    )
    status = models.CharField(
        max_length=20, choices=EnrollmentStatus.choices, default=EnrollmentStatus.INVITED
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    status_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    checkin_interval_days = models.PositiveSmallIntegerField(default=7)
    last_active_at = models.DateTimeField(null=True, blank=True)
    # The day of the month the participant was born (1-31), and nothing more: all that
    # socialtjänstförordningen's research exception needs (records kept for people born on
    # the 5th, 15th or 25th; docs/law.md). Personal data: exported and anonymised with the
    # treatment. Empty: not known, and a social-services record is then never cleared.
    born_on_day = models.PositiveSmallIntegerField(
        _("day of the month of birth"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "programme"],
                condition=Q(status__in=["invited", "active", "paused"]),
                name="one_open_enrollment_per_participant_and_programme",
            ),
            models.CheckConstraint(
                condition=Q(born_on_day__isnull=True) | Q(born_on_day__gte=1, born_on_day__lte=31),
                name="born_on_day_is_a_day_of_the_month",
            ),
        ]

    def __str__(self) -> str:
        return f"Enrollment {self.public_id}"

    @property
    def is_active(self) -> bool:
        return self.status == EnrollmentStatus.ACTIVE

    def checkin_due_on(self, last_checkin_at: date | None) -> date | None:
        """The day the next weekly check-in is due (None before the treatment starts)."""
        if self.started_at is None:
            return None
        start = last_checkin_at or timezone.localdate(self.started_at)
        return start + timedelta(days=self.checkin_interval_days)


class ModuleState(models.TextChoices):
    LOCKED = "locked", _("Locked")
    UNLOCKED = "unlocked", _("Open")
    STARTED = "started", _("Started")
    COMPLETED = "completed", _("Completed")


class ModuleProgress(models.Model):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="progress")
    module = models.ForeignKey(ModulePage, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=12, choices=ModuleState.choices, default=ModuleState.LOCKED)
    unlocked_at = models.DateTimeField(null=True, blank=True)
    unlocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the module opened by its rule (start, or previous completed).",
    )
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The part of the module (content.parts) the participant last moved to: the module
    # opens there next time. A number, not a block id: an editor's revision may renumber the
    # parts, and the page then clamps it to the parts there are.
    last_part = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "module"], name="one_progress_per_module")
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}:{self.module_id}:{self.state}"

    @property
    def is_open(self) -> bool:
        return self.state != ModuleState.LOCKED


class Answer(models.Model):
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="answers")
    module = models.ForeignKey(ModulePage, on_delete=models.PROTECT, related_name="+")
    # The StreamField block's own UUID: survives an editor's reordering and rewording.
    block_id = models.CharField(max_length=36)
    value = models.JSONField()
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "block_id"], name="one_answer_per_block")
        ]

    def __str__(self) -> str:
        return f"{self.enrollment_id}:{self.block_id}@{self.version}"


class CheckIn(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="checkins")
    submitted_at = models.DateTimeField(default=timezone.now)
    # The answers, keyed by the question keys of modules.checkin.QUESTIONS (data, so an
    # organisation can change the questions without a migration).
    answers = models.JSONField()

    class Meta:
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"Check-in {self.public_id}"


class RiskLevel(models.TextChoices):
    # Low comes only from partner contact: a worker telling the therapist that the assessed
    # risk went down is news too.
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    ACUTE = "acute", _("Acute")


class RiskSignal(models.Model):
    """Something the therapist must see at once. Never shown to the participant."""

    class Source(models.TextChoices):
        CHECKIN = "checkin", _("Weekly check-in")
        MESSAGE = "message", _("Message")
        PARTNER_CONTACT = "partner_contact", _("Partner contact")
        MEASURE = "measure", _("Questionnaire")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="risk_signals"
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    level = models.CharField(max_length=10, choices=RiskLevel.choices)
    reasons = models.JSONField(default=list)
    # Which answer raised it, as the participant saw it, kept as it was then (an admin may
    # reword a questionnaire later): for a questionnaire, [{"kind": "measure_item",
    # "number": 9, "value": 1, and "instrument", "question" and "answer" in both languages
    # as "<name>_sv" / "<name>_en"}]. Empty for the other sources, whose reasons say it.
    details = models.JSONField(default=list, blank=True)
    checkin = models.ForeignKey(
        CheckIn, null=True, blank=True, on_delete=models.CASCADE, related_name="risk_signals"
    )
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledgement = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Risk {self.level} {self.public_id}"


class RiskTerm(models.Model):
    """A word or phrase that, in a participant's message, raises a risk signal. Editable by
    the organisation's admins. A `*` at the end of a word matches any ending (Swedish
    inflections: "döda*" matches "dödade"); otherwise a word matches only as a whole word
    ("kill" does not match "killar")."""

    phrase = models.CharField(max_length=100)
    language = models.CharField(max_length=8, default="sv")
    level = models.CharField(max_length=10, choices=RiskLevel.choices, default=RiskLevel.HIGH)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["language", "phrase"]
        constraints = [models.UniqueConstraint(fields=["phrase", "language"], name="one_risk_term")]

    def __str__(self) -> str:
        return self.phrase
