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


class ParticipantLogin(models.TextChoices):
    """How an organisation's participants log in (docs/identity.md)."""

    PASSWORD = "password", _("Password and authenticator app only")
    EID_OR_PASSWORD = "eid_or_password", _("e-ID, or password and authenticator app")
    EID_ONLY = "eid_only", _("e-ID only")


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
    participant_login = models.CharField(
        _("how participants log in"),
        max_length=20,
        choices=ParticipantLogin.choices,
        default=ParticipantLogin.PASSWORD,
    )
    # Whether participants may pick a free time with their therapist themselves (meetings);
    # off by default: the therapist books.
    participants_book_meetings = models.BooleanField(
        _("participants may book meetings themselves"), default=False
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


class IdentityProvider(models.Model):
    """An organisation's connection to an identity provider: an e-ID broker speaking OpenID
    Connect for its participants, or its own staff identity provider (OpenID Connect or SAML
    2.0). A provider proves who someone is; what they may do is granted in Omtag."""

    class Purpose(models.TextChoices):
        EID = "eid", _("e-ID for participants (OpenID Connect)")
        STAFF_OIDC = "staff_oidc", _("Staff single sign-on (OpenID Connect)")
        STAFF_SAML = "staff_saml", _("Staff single sign-on (SAML 2.0)")

    class Match(models.TextChoices):
        EMAIL = "email", _("Email address")
        EMPLOYEE_ID = "employee_id", _("Employee id")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="identity_providers"
    )
    # allauth's provider id for this connection: it appears in the login and callback URLs.
    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True)
    name = models.CharField(_("name shown on the login button"), max_length=120)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    enabled = models.BooleanField(_("in use"), default=True)
    # OpenID Connect: the issuer (discovery at <issuer>/.well-known/openid-configuration).
    issuer = models.URLField(_("issuer"), blank=True)
    client_id = models.CharField(_("client id"), max_length=200, blank=True)
    client_secret = models.CharField(_("client secret"), max_length=500, blank=True)
    # e-ID: the claim that carries the personal identity number.
    identity_claim = models.CharField(
        _("claim with the personal identity number"), max_length=100, blank=True
    )
    # e-ID: the levels of assurance (acr values) that count as both factors.
    accepted_levels = models.JSONField(_("accepted levels of assurance"), default=list, blank=True)
    # Staff: the acr/amr values or SAML AuthnContext classes that say several factors or a
    # smartcard were used, so the login counts as the second factor.
    second_factor_levels = models.JSONField(
        _("values that count as the second factor"), default=list, blank=True
    )
    # Staff: how an identity is matched to an existing Omtag account (never created by SSO).
    match_attribute = models.CharField(
        _("match staff by"), max_length=20, choices=Match.choices, default=Match.EMAIL
    )
    # The claim or SAML attribute that carries the matched value.
    match_claim = models.CharField(_("claim or attribute to match on"), max_length=200, blank=True)
    # SAML 2.0: the identity provider's entity id, single sign-on URL and signing certificate.
    saml_entity_id = models.CharField(_("SAML entity id"), max_length=500, blank=True)
    saml_sso_url = models.URLField(_("SAML single sign-on URL"), blank=True)
    saml_certificate = models.TextField(_("SAML signing certificate (PEM)"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")

    def __str__(self) -> str:
        return self.name
