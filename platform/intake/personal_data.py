"""The personal data `intake` keeps about a person who asked for help, and the only writes
that remove it.

A referral has two parts with two retention periods: the contact details (who the person
is and how to reach them) and the clinician's record (the screening, the decisions'
reasons). Anonymising keeps the source, the agency, the statuses and the dates, which the
report counts."""

from __future__ import annotations

from typing import Any, Final

from accounts.personal_data import (
    ANONYMISED,
    Scrub,
    local_time,
    replace_with,
    rewrite_fields,
    scrub_free_text,
    scrub_text,
    scrub_text_column,
)
from modules.models import Enrollment

from .models import Referral, ReferralEvent, ReferralSource, Screening

# Who the person is and how to reach them.
REFERRAL_CONTACT_FIELDS: Final[dict[str, Scrub]] = {
    "name": replace_with(ANONYMISED),
    "phone": replace_with(""),
    "safe_times": scrub_text,
    "situation": scrub_text,
    "agency_contact": scrub_text,
}
# The clinician's record of the referral.
REFERRAL_RECORD_FIELDS: Final[dict[str, Scrub]] = {"decision_reason": scrub_text}
SCREENING_PERSONAL_FIELDS: Final[dict[str, Scrub]] = {
    "notes": scrub_text,
    "answers": scrub_free_text,
}
REFERRAL_EVENT_PERSONAL_FIELDS: Final = ("text",)


def referral_contact_anonymise(*, referral: Referral) -> None:
    """The referral no longer says who the person is or how to reach them."""
    rewrite_fields(referral, REFERRAL_CONTACT_FIELDS)


def referral_record_anonymise(*, referral: Referral) -> None:
    """The screening and the decisions' reasons lose their words; answers that are choice
    keys or figures stay."""
    rewrite_fields(referral, REFERRAL_RECORD_FIELDS)
    events = ReferralEvent.objects.filter(referral=referral)
    for name in REFERRAL_EVENT_PERSONAL_FIELDS:
        scrub_text_column(events, name)
    screening = Screening.objects.filter(referral=referral).first()
    if screening is not None:
        rewrite_fields(screening, SCREENING_PERSONAL_FIELDS)


def referral_export(enrollment: Enrollment) -> dict[str, Any] | None:
    """The referral that led to the treatment, as the person's own data file shows it."""
    referral = Referral.objects.filter(enrollment=enrollment).first()
    if referral is None:
        return None
    data: dict[str, Any] = {
        "source": str(referral.get_source_display()),
        "received_at": local_time(referral.received_at),
    }
    if referral.source == ReferralSource.SELF:
        # What the person wrote in the "ask for help" form themselves. An agency's referral
        # is the agency's document: it is given out on a formal request, like the journal.
        data.update(
            name=referral.name,
            phone=referral.phone,
            safe_times=referral.safe_times,
            may_leave_message=str(referral.get_may_leave_message_display()),
            situation=referral.situation,
        )
    return data
