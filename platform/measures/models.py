"""Standard measures: instruments defined as data (questions, answer scales, scoring,
cut-offs, licence), a schedule per programme (at intake, at completion, and at follow-up 3
and 12 months after the end), and the participant's responses.

When a measure is due is derived from the enrollment (started_at; the completion date; 90
and 365 days after it), not stored: a response row says it was done, a reminder row says
the discreet email went out."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from content.models import ProgramPage
from modules.models import Enrollment


def _english() -> bool:
    return (get_language() or "sv").startswith("en")


class Instrument(models.Model):
    """A questionnaire. `scale` is the default answer scale of its items:
    [{"value": 0, "label_sv": "Inte alls", "label_en": "Not at all"}, ...]. The score is the
    sum of the answers' values. `cutoffs` are the lower bounds of the clinical bands, lowest
    first: [{"min": 0, "label_sv": "Minimal", "label_en": "Minimal"}, {"min": 5, ...}]."""

    key = models.SlugField(max_length=40, unique=True)
    name_sv = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    intro_sv = models.TextField(blank=True)
    intro_en = models.TextField(blank=True)
    licence_note = models.TextField(blank=True)
    scale = models.JSONField(default=list)
    cutoffs = models.JSONField(default=list)
    # A change at least this large, in the better direction, counts as improved in reports.
    improvement_threshold = models.PositiveSmallIntegerField(default=5)
    higher_is_worse = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key

    @property
    def name(self) -> str:
        return self.name_en if _english() else self.name_sv

    @property
    def participant_name(self) -> str:
        """The name a participant reads: plain words first, the acronym after
        ("Nedstämdhet (PHQ-9)"); see instruments.PLAIN_NAMES."""
        from .instruments import PLAIN_NAMES

        plain = PLAIN_NAMES.get(self.key)
        if plain is None:
            return self.name
        return plain[1] if _english() else plain[0]

    @property
    def intro(self) -> str:
        return self.intro_en if _english() else self.intro_sv


class InstrumentItem(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(max_length=40)
    order = models.PositiveSmallIntegerField(default=0)
    text_sv = models.CharField(max_length=400)
    text_en = models.CharField(max_length=400)
    # When the item's answers differ from the instrument's scale (AUDIT's last items).
    scale = models.JSONField(null=True, blank=True)
    # An answer of at least this value is shown to the therapist as needing attention (the
    # PHQ-9's question about thoughts of death or self-harm), whatever the total score.
    flag_from = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["instrument", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "key"], name="one_item_key_per_instrument"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id}:{self.key}"

    @property
    def text(self) -> str:
        return self.text_en if _english() else self.text_sv


class Occasion(models.TextChoices):
    INTAKE = "intake", _("At the start")
    COMPLETION = "completion", _("At the end")
    FOLLOWUP_3 = "followup_3", _("Three months after the end")
    FOLLOWUP_12 = "followup_12", _("Twelve months after the end")


class ScheduleRule(models.Model):
    """Which instrument a programme asks for at which occasion."""

    programme = models.ForeignKey(ProgramPage, on_delete=models.CASCADE, related_name="+")
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="+")
    occasion = models.CharField(max_length=12, choices=Occasion.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "instrument", "occasion"], name="one_rule_per_occasion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}:{self.instrument_id}:{self.occasion}"


class MeasureResponse(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="measure_responses"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="responses")
    occasion = models.CharField(max_length=12, choices=Occasion.choices)
    answers = models.JSONField()
    score = models.IntegerField()
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "instrument", "occasion"], name="one_response_per_occasion"
            )
        ]
        indexes = [models.Index(fields=["instrument", "occasion"])]

    def __str__(self) -> str:
        return f"{self.instrument_id}@{self.occasion}: {self.score}"


class MeasureReminder(models.Model):
    """The discreet reminder for one occasion went out (at most one per occasion)."""

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="+")
    occasion = models.CharField(max_length=12, choices=Occasion.choices)
    sent_at = models.DateTimeField(default=timezone.now)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "occasion"], name="one_reminder")
        ]

    def __str__(self) -> str:
        return f"Reminder {self.enrollment_id}:{self.occasion}"
