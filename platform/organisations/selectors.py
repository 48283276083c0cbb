"""Reads of organisations and units that do not depend on who is asking."""

from __future__ import annotations

from .models import Organisation, Regime, Unit

# What an installation that predates organisations moved into (migration 0001), and where the
# tests' fixed cast works unless a test makes another organisation.
FIRST_ORGANISATION_SLUG = "omtag"
FIRST_UNIT_SLUG = "enheten"


def first_unit() -> Unit:
    """The first organisation's first unit, made if missing (a flushed test database)."""
    organisation, _created = Organisation.objects.get_or_create(
        slug=FIRST_ORGANISATION_SLUG,
        defaults={"name": "Omtag", "regime": Regime.HEALTH_CARE},
    )
    unit, _created = Unit.objects.select_related("organisation").get_or_create(
        organisation=organisation, slug=FIRST_UNIT_SLUG, defaults={"name": "Enheten"}
    )
    return unit


def help_unit(slug: str | None = None) -> Unit:
    """The unit that receives the ask-for-help form of the organisation `slug`: its chosen
    unit, else its first; Organisation.DoesNotExist for an unknown slug and Unit.DoesNotExist
    for an organisation without units (a request is never sent to another organisation).
    Without a slug: the first organisation that has chosen one, else the first unit there is."""
    if slug is not None:
        organisation = Organisation.objects.select_related("help_unit__organisation").get(slug=slug)
        if organisation.help_unit is not None:
            return organisation.help_unit
        first = Unit.objects.select_related("organisation").filter(organisation=organisation)
        return first.order_by("pk")[:1].get()
    organisations = Organisation.objects.select_related("help_unit__organisation")
    chosen = organisations.filter(help_unit__isnull=False).order_by("pk").first()
    if chosen is not None and chosen.help_unit is not None:
        return chosen.help_unit
    unit = Unit.objects.select_related("organisation").order_by("pk").first()
    return unit if unit is not None else first_unit()


def help_organisations() -> list[Organisation]:
    """The organisations a person can ask for help from (those with a unit), by name."""
    return list(Organisation.objects.filter(units__isnull=False).distinct().order_by("name"))
