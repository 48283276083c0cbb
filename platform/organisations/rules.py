"""The rules an organisation's own settings must keep, as pure functions: the settings page
(accounts.org_settings) checks them before saving and the nightly retention run checks them
again before clearing anything, so the two can never disagree.

Retention (docs/law.md): health care keeps a patient record at least ten years after the last
entry (patientdatalagen 3 kap. 17 §), with no upper limit; social services clear a personakt
five years after the last entry (a duty, not a minimum), so exactly five."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Regime

HEALTH_CARE_MIN_YEARS = 10
SOCIAL_SERVICES_YEARS = 5

# The report's smallest group an organisation may choose (an empty setting: the installation's).
MIN_GROUP_LOWEST = 2
MIN_GROUP_HIGHEST = 50


def default_retention_years(regime: str) -> int:
    """The years a record is kept when the organisation has not set its own."""
    if regime == Regime.SOCIAL_SERVICES:
        return SOCIAL_SERVICES_YEARS
    return HEALTH_CARE_MIN_YEARS


def retention_problem(regime: str, years: int | None) -> str:
    """Why `years` is not allowed under `regime`, in words for the person who chose it; empty
    when it is allowed. None (not set) is always allowed: the regime's default applies."""
    if years is None:
        return ""
    if regime not in Regime.values:
        return _("The organisation's law is not known, so no period can be checked.")
    if regime == Regime.SOCIAL_SERVICES and years != SOCIAL_SERVICES_YEARS:
        return _(
            "Under the social services act a record is cleared five years after its last "
            "entry: the period must be 5 years."
        )
    if regime == Regime.HEALTH_CARE and years < HEALTH_CARE_MIN_YEARS:
        return _(
            "Under the patient data act a record is kept at least ten years after its last "
            "entry: the period must be 10 years or more."
        )
    return ""


def check_retention(regime: str, years: int | None) -> None:
    """Raise ValidationError when `years` is not allowed under `regime`."""
    problem = retention_problem(regime, years)
    if problem:
        raise ValidationError(problem, code="retention_years")


def retention_years(regime: str, years: int | None) -> int:
    """The years that apply: the organisation's own setting if it is allowed, else the
    regime's default. Raises ValidationError on a setting the law does not allow (the nightly
    run must stop rather than clear on a wrong period)."""
    check_retention(regime, years)
    return default_retention_years(regime) if years is None else years


def min_group_problem(value: int | None) -> str:
    """Why `value` cannot be the report's smallest group; empty when it can (None: the
    installation's setting)."""
    if value is None or MIN_GROUP_LOWEST <= value <= MIN_GROUP_HIGHEST:
        return ""
    return _("The smallest group must be between %(low)s and %(high)s people.") % {
        "low": MIN_GROUP_LOWEST,
        "high": MIN_GROUP_HIGHEST,
    }


# Words that would tell whoever sees the inbox what the email is about (safety rule 4).
_REVEALING = ("våld", "violen", "behandl", "treatment", "terapi", "therap", "misshandel", "abuse")


def sender_name_problem(name: str) -> str:
    """Why `name` cannot be the sender of the discreet emails; empty when it can. A sender
    name says who sends, never what about: someone else may read the inbox."""
    lowered = name.lower()
    if any(word in lowered for word in _REVEALING):
        return _(
            "The sender name must not say what the email is about (violence, treatment): "
            "someone else may see the inbox. Use e.g. the municipality's or region's name."
        )
    return ""
