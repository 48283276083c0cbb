"""How long records are kept: settings read with getattr(settings, NAME, default), so an
organisation sets them in the environment-driven settings without a code change.

Swedish patient-data law (patientdatalagen 3 kap. 17 §) keeps a patient record at least ten
years after the last entry. A treatment here (answers, check-ins, measures, messages) is part
of that record, so a closed treatment is anonymised no earlier than ten years after it ended;
`closed_years` refuses a shorter setting rather than break the law quietly.

- RETENTION_CLOSED_YEARS (10): a completed or discontinued treatment is anonymised this many
  years after its status last changed (the end); the account when all its treatments are.
- RETENTION_REFERRAL_UNENROLLED_YEARS (2): a referral that never led to an enrollment
  (referred elsewhere, or closed) loses the person's contact details (name, phone, when to
  call, the few words about the situation, the agency's contact person) this many years
  after the decision. The screening itself (the therapist's notes and the decision's reason)
  is a clinical record too and is kept RETENTION_CLOSED_YEARS.
- RETENTION_ACCESS_LOG_YEARS (10): the access log is kept at least this long. The log is
  append-only (the model refuses updates and deletes), so nothing here removes it; thinning
  it after this period is a separate, reviewed procedure, not a nightly job.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

LAW_MINIMUM_YEARS = 10


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
    years = _years("RETENTION_CLOSED_YEARS", LAW_MINIMUM_YEARS)
    if years < LAW_MINIMUM_YEARS:
        raise ImproperlyConfigured(
            f"RETENTION_CLOSED_YEARS must be at least {LAW_MINIMUM_YEARS}: patient records are "
            "kept at least ten years (patientdatalagen 3 kap. 17 §)."
        )
    return years


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
