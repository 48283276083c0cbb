"""The two made-up organisations the demo (`make run`) runs: a municipality's social services
and a region's psychiatry clinic, so the demo shows how organisations are kept apart.

The migration's first organisation (organisations.selectors.first_unit) is renamed as the
region, so a demo database never holds a third, empty one. Idempotent: names are set, not
added, on every run. Never used outside the demo commands."""

from __future__ import annotations

from organisations.models import Organisation, Regime, Unit
from organisations.selectors import first_unit

SODERLAND = "soderland"
NORRBY = "norrby"

# key: (organisation name, regime, unit name); the region keeps the first organisation's
# short names ("omtag", "enheten") because the tests and older databases find it by them.
DEMO_ORGANISATIONS: dict[str, tuple[str, str, str]] = {
    SODERLAND: ("Region Söderland", Regime.HEALTH_CARE, "Psykiatrimottagningen"),
    NORRBY: ("Norrby kommun", Regime.SOCIAL_SERVICES, "Våldsprevention Norrby"),
}
NORRBY_SLUG = "norrby"
NORRBY_UNIT_SLUG = "valdsprevention"


def demo_units() -> dict[str, Unit]:
    """The demo organisations' units by key, made or renamed as needed."""
    units = {SODERLAND: first_unit()}
    norrby, _created = Organisation.objects.get_or_create(
        slug=NORRBY_SLUG,
        defaults={"name": DEMO_ORGANISATIONS[NORRBY][0], "regime": Regime.SOCIAL_SERVICES},
    )
    units[NORRBY], _created = Unit.objects.select_related("organisation").get_or_create(
        organisation=norrby, slug=NORRBY_UNIT_SLUG, defaults={"name": DEMO_ORGANISATIONS[NORRBY][2]}
    )
    for key, unit in units.items():
        name, regime, unit_name = DEMO_ORGANISATIONS[key]
        organisation = unit.organisation
        if (organisation.name, organisation.regime, organisation.help_unit_id) != (
            name,
            regime,
            unit.pk,
        ):
            organisation.name, organisation.regime, organisation.help_unit = name, regime, unit
            organisation.save(update_fields=["name", "regime", "help_unit"])
        if unit.name != unit_name:
            unit.name = unit_name
            unit.save(update_fields=["name"])
    return units
