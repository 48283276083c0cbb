"""What has been anonymised (or, for a record kept for research, marked for the archive), so
the nightly retention run does each thing once (and writes its audit event once), and running
it twice in a row changes nothing the second time.

A row names the kind of thing and its primary key, nothing about the person."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AnonymisedKind(models.TextChoices):
    ENROLLMENT = "enrollment", _("Treatment")
    ACCOUNT = "account", _("Account")
    REFERRAL_CONTACT = "referral_contact", _("Referral's contact details")
    REFERRAL_RECORD = "referral_record", _("Referral's screening")
    # A closed partner case's contact details and free text (partner.personal_data).
    PARTNER_CASE = "partner_case", _("Partner case")
    # Kept for research instead of cleared: to be handed over to the archive.
    ENROLLMENT_ARCHIVE = "enrollment_archive", _("Treatment kept for the archive")
    PARTNER_CASE_ARCHIVE = "partner_archive", _("Partner case kept for the archive")


class AnonymisedBasis(models.TextChoices):
    RETENTION = "retention", _("Retention period ended")
    ERASURE = "erasure", _("Erasure request")
    RESEARCH = "research", _("Kept for research (socialtjänstförordningen)")


class Anonymisation(models.Model):
    kind = models.CharField(max_length=20, choices=AnonymisedKind.choices)
    object_pk = models.PositiveBigIntegerField()
    basis = models.CharField(max_length=12, choices=AnonymisedBasis.choices)
    done_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_pk"], name="anonymised_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_pk}"
