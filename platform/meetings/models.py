"""Booked meetings between a participant and their therapist, and the therapist's free time.

Free time is kept as the therapist wrote it: wall-clock hours in Europe/Stockholm
(`meetings.times.ZONE`), a weekday for recurring hours or a date for a single slot. The
instants are computed when they are needed (meetings.times), so "Tuesdays 09:00-12:00" stays
09:00-12:00 on both sides of a daylight-saving change. A meeting is an instant range (UTC in
the database): it happened at one moment, whatever the clocks did later."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from modules.models import Enrollment


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class WeeklyHours(models.Model):
    """Recurring free time: every `weekday`, from `starts` to `ends` on the Stockholm clock."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_hours"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["weekday", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts__lt=models.F("ends")), name="hours_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts}-{self.ends}"


class OpenSlot(models.Model):
    """A single stretch of free time on one date, on the Stockholm clock."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="open_slots"
    )
    day = models.DateField()
    starts = models.TimeField()
    ends = models.TimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["day", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts__lt=models.F("ends")), name="slot_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.starts}-{self.ends}"


class Kind(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")


class Status(models.TextChoices):
    SCHEDULED = "scheduled", _("Booked")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")
    NOT_ATTENDED = "not_attended", _("Not attended")
    CANCELLED_LATE = "cancelled_late", _("Cancelled late")


# What the therapist may record after a meeting (therapist.services.meeting_outcome_record).
OUTCOMES = (Status.ATTENDED, Status.NOT_ATTENDED, Status.CANCELLED_LATE)


class Meeting(models.Model):
    """One booked meeting of a participant with their therapist. The video call (next to
    come) hangs off `public_id`; the two people are fixed at booking, so a later change of
    therapist does not hand the meeting to someone the participant did not book with."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="meetings")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The last cancellation or move: who, when and the short reason the other side is told
    # about (only that something changed, by email; the reason in Omtag).
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(null=True, blank=True)
    change_reason = models.CharField(max_length=300, blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["therapist", "starts_at"]),
            models.Index(fields=["enrollment", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")), name="meeting_order"
            )
        ]

    def __str__(self) -> str:
        return f"Meeting {self.public_id}"

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at) / timedelta(minutes=1))

    @property
    def is_upcoming(self) -> bool:
        return self.status == Status.SCHEDULED and self.ends_at > timezone.now()


class MeetingNotice(models.Model):
    """One discreet email about a meeting to one person: `key` says which (a change, or the
    day-before or hour-before reminder of one start time). Like messaging.EmailNotice, the row
    is written before the email and marked sent in the transaction that holds it while the
    email goes out, so a task run again sends nothing twice; a moved meeting has a new start
    and so new reminders."""

    key = models.CharField(max_length=80)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "recipient"], name="meeting_notice_once")
        ]

    def __str__(self) -> str:
        return f"MeetingNotice {self.key} → {self.recipient_id}"
