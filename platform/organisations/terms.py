"""The words the interface uses for a person and their record, per the law the organisation
works under (docs/law.md, "Words"): social services keep a *personakt* about a *klient*,
health care a *journal* about a *patient*.

The msgids are English with a context naming the regime, so the Swedish of each regime is its
own entry in the .po file. Templates get the words as `terms` (modules.context_processors)
and put them into their sentences with blocktranslate."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from .models import Organisation, Regime


@dataclass(frozen=True)
class Terms:
    record: Promise  # "your <record>": journal / personakt
    person: Promise  # the person the record is about: patient / klient


TERMS: dict[str, Terms] = {
    Regime.SOCIAL_SERVICES: Terms(
        record=pgettext_lazy("social services", "record"),
        person=pgettext_lazy("social services", "client"),
    ),
    Regime.HEALTH_CARE: Terms(
        record=pgettext_lazy("health care", "record"),
        person=pgettext_lazy("health care", "patient"),
    ),
}

# Before an organisation is known (a visitor, the platform administrator): the words Omtag
# has always used, those of the first organisation (health care).
DEFAULT_REGIME = Regime.HEALTH_CARE


def terms_for(organisation: Organisation | None) -> Terms:
    regime = organisation.regime if organisation is not None else DEFAULT_REGIME
    return TERMS.get(regime, TERMS[DEFAULT_REGIME])
