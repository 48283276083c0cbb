"""Log review (logguppföljning): systematic, documented checks of who read whose record.

A reviewer draws a random sample of staff reads from the access log by filters, judges each
read justified or questioned with a note, and the organisation's administrator follows up the
questioned ones. Patientdatalagen 4 kap. 3 § asks health care to check access systematically
and repeatedly, and social services do the same (docs/law.md). A review is kept with the
filters it was drawn by, so the check can be shown afterwards."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Verdict(models.TextChoices):
    PENDING = "pending", _("Not yet judged")
    JUSTIFIED = "justified", _("Justified")
    QUESTIONED = "questioned", _("Questioned")


class LogReview(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who drew it, as text: still readable if the account is ever anonymised.
    reviewer_label = models.CharField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The filters the sample was drawn by.
    period_start = models.DateField()
    period_end = models.DateField()
    unit = models.ForeignKey(
        "organisations.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    staff_label = models.CharField(max_length=254, blank=True)
    # How many reads matched the filters, and how many were drawn from them.
    population = models.PositiveIntegerField()
    sample_size = models.PositiveIntegerField()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Log review {self.public_id}"


class LogReviewItem(models.Model):
    review = models.ForeignKey(LogReview, on_delete=models.CASCADE, related_name="items")
    # The access log is append-only and kept longer than any review: PROTECT never fires.
    event = models.ForeignKey("audit.AuditEvent", on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(max_length=12, choices=Verdict.choices, default=Verdict.PENDING)
    note = models.TextField(blank=True, max_length=2000)
    judged_at = models.DateTimeField(null=True, blank=True)
    # The administrator's follow-up of a questioned read.
    followed_up_at = models.DateTimeField(null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    follow_up_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["event__created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "event"], name="one_item_per_read"),
        ]

    def __str__(self) -> str:
        return f"{self.review_id}:{self.event_id}"
