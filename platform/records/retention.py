"""How long records are kept, per organisation and by the law it works under (docs/law.md).

A record's clock runs from its LAST ENTRY (the latest status change, case note, message,
answer, check-in, measure response or meeting), not from the end of the treatment: a note
written after the end moves it. Meetings belong to the treatment's record: cleared with it,
their times, kinds and outcomes stay for the report and the reasons people wrote are blanked
(meetings.personal_data).

- Health care (patientdatalagen 3 kap. 17 §): a patient record is kept at least ten years
  after the last entry. The organisation's `retention_years`, else the installation's
  RETENTION_CLOSED_YEARS (10); anything under ten is refused.
- Social services (socialtjänstlagen (2001:453) 12 kap. 1 §, carried into socialtjänstlag
  (2025:400); the new section number is unverified, docs/law.md): the personakt is cleared
  five years after its last entry. This is a duty, not a minimum: `retention_years` other
  than five is refused. The clock runs per person: the last entry in any of the person's
  treatments in that organisation.
- Socialtjänstförordningen (2001:937) 7 kap. 2 §, the research exception (social services
  only): an organisation with `keeps_all_for_research` clears nothing; elsewhere the record
  of a person born on the 5th, 15th or 25th is kept. Such a record is marked for hand-over
  to the archive instead. A record whose day of birth is not known is never cleared: the run
  lists it as needing the day of birth.

A refusal names the organisation: the nightly run skips that organisation, reports it and
carries on with the others.

Installation-wide settings (getattr(settings, NAME, default)):
- RETENTION_CLOSED_YEARS (10): the health-care default above.
- RETENTION_REFERRAL_UNENROLLED_YEARS (2): a referral that never led to an enrollment loses
  the person's contact details this many years after the decision (health care; the
  screening itself is a clinical record and follows the organisation's period).
- RETENTION_ACCESS_LOG_YEARS (10): the access log is kept at least this long. The log is
  append-only (the model refuses updates and deletes), so nothing here removes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Final

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from organisations.models import Organisation, Regime

LAW_MINIMUM_YEARS: Final = 10  # patientdatalagen 3 kap. 17 §
SOCIAL_SERVICES_YEARS: Final = 5  # socialtjänstlagen (2001:453) 12 kap. 1 §
# Socialtjänstförordningen (2001:937) 7 kap. 2 §: kept for people born on these days.
RESEARCH_BIRTH_DAYS: Final = frozenset({5, 15, 25})

HEALTH_CARE_LAW: Final = "patientdatalagen (2008:355) 3 kap. 17 §"
SOCIAL_SERVICES_LAW: Final = (
    "socialtjänstlagen (2001:453) 12 kap. 1 §, as carried into socialtjänstlag (2025:400)"
)


class RetentionRefused(ImproperlyConfigured):
    """An organisation's setting the law does not allow: its records are left alone."""


class Exemption(Enum):
    NONE = "none"  # cleared when the period ends
    WHOLE_ORGANISATION = "whole_organisation"  # keeps_all_for_research
    BORN_ON_DAY = "born_on_day"  # born on the 5th, 15th or 25th
    UNKNOWN_DAY = "unknown_day"  # social services, day of birth not known: never cleared


def _years(name: str, default: int) -> int:
    value = getattr(settings, name, default)
    try:
        years = int(value)
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"{name} must be a whole number of years.") from None
    if years < 1:
        raise ImproperlyConfigured(f"{name} must be at least 1 year.")
    return years


def closed_years() -> int:
    """The installation's health-care default (an organisation may set its own)."""
    return _years("RETENTION_CLOSED_YEARS", LAW_MINIMUM_YEARS)


def record_years(organisation: Organisation) -> int:
    """The years after its last entry that a record of this organisation is cleared, or
    RetentionRefused naming the organisation and the law."""
    years = organisation.retention_years
    if organisation.regime == Regime.SOCIAL_SERVICES:
        years = SOCIAL_SERVICES_YEARS if years is None else years
        if years != SOCIAL_SERVICES_YEARS:
            raise RetentionRefused(
                f"{organisation.name}: a social-services record is cleared five years after "
                f"its last entry ({SOCIAL_SERVICES_LAW}); {years} years is not allowed. "
                "Set the organisation's retention to 5 years or leave it empty."
            )
        return years
    if organisation.regime == Regime.HEALTH_CARE:
        years = closed_years() if years is None else years
        if years < LAW_MINIMUM_YEARS:
            raise RetentionRefused(
                f"{organisation.name}: a patient record is kept at least ten years after its "
                f"last entry ({HEALTH_CARE_LAW}); {years} years is not allowed. Set the "
                "organisation's retention to 10 years or more."
            )
        return years
    raise RetentionRefused(f"{organisation.name}: unknown regime {organisation.regime!r}.")


def exemption(organisation: Organisation, born_on_days: Iterable[int | None]) -> Exemption:
    """Whether a record due for clearing is kept for research instead. `born_on_days`: the
    days of birth the person's treatments in the organisation hold (None: not entered)."""
    if organisation.regime != Regime.SOCIAL_SERVICES:
        return Exemption.NONE
    if organisation.keeps_all_for_research:
        return Exemption.WHOLE_ORGANISATION
    known = {day for day in born_on_days if day is not None}
    if known & RESEARCH_BIRTH_DAYS:
        return Exemption.BORN_ON_DAY
    if not known:
        return Exemption.UNKNOWN_DAY
    return Exemption.NONE


def referral_unenrolled_years() -> int:
    return _years("RETENTION_REFERRAL_UNENROLLED_YEARS", 2)


def access_log_years() -> int:
    years = _years("RETENTION_ACCESS_LOG_YEARS", LAW_MINIMUM_YEARS)
    if years < LAW_MINIMUM_YEARS:
        raise ImproperlyConfigured(
            f"RETENTION_ACCESS_LOG_YEARS must be at least {LAW_MINIMUM_YEARS}."
        )
    return years


def years_before(moment: datetime, years: int) -> datetime:
    """The same calendar moment `years` earlier (29 February falls back to the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)
