"""Who runs the service: organisations, each under the law it works under, and their units.

The bottom layer: it knows nothing about people. Everything a participant leaves behind hangs
off an enrollment or a referral, and those belong to a unit; staff hold their roles per unit
or for a whole organisation (accounts.RoleGrant)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class Regime(models.TextChoices):
    """The law an organisation works under (docs/law.md)."""

    # Socialtjänstlagen: documentation in a personakt, cleared five years after its last entry.
    SOCIAL_SERVICES = "social_services", _("Social services (socialtjänstlagen)")
    # Hälso- och sjukvårdslagen and patientdatalagen: a patient record, kept at least ten years.
    HEALTH_CARE = "health_care", _("Health care (patientdatalagen)")


class Organisation(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Its address in URLs that the public sees, e.g. the ask-for-help form /help/<slug>/.
    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    regime = models.CharField(_("the law it works under"), max_length=20, choices=Regime.choices)
    # The unit whose queue receives the public ask-for-help form (/help/<slug>/).
    help_unit = models.ForeignKey(
        "Unit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("unit that receives requests for help"),
    )
    # The name the discreet emails come from; empty: the installation's.
    sender_name = models.CharField(_("sender name in emails"), max_length=80, blank=True)
    # The report shows no count below this; empty: the installation's REPORT_MIN_GROUP.
    min_group = models.PositiveSmallIntegerField(
        _("smallest group the report shows"), null=True, blank=True
    )
    # Years a closed record is kept; empty: the regime's default (docs/law.md).
    retention_years = models.PositiveSmallIntegerField(
        _("years a record is kept after its last entry"), null=True, blank=True
    )
    # Socialtjänstförordningen's research exception for a whole municipality (Östergötland,
    # Gotland, Västernorrland, Göteborg): no personakt is cleared.
    keeps_all_for_research = models.BooleanField(
        _("all records are kept for research (whole municipality)"), default=False
    )
    # Whether a person's own log extract names the staff who read their record.
    staff_names_in_extract = models.BooleanField(
        _("staff names in a person's log extract"), default=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A municipality's unit for violence prevention, a region's clinic: where participants
    are treated and staff work. Everything about a participant belongs to exactly one."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="units")
    slug = models.SlugField(_("short name in addresses"), max_length=60)
    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "slug"], name="unit_slug_per_org"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def label(self) -> str:
        """The unit as the access log keeps it in text: still readable if it is renamed or
        removed."""
        return f"{self.organisation.name} / {self.name}"
