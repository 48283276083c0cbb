"""Anonymising a referral's clinical record (intake.personal_data): the screening's and the
events' words go, the choices, figures and empty fields stay as they were."""

from __future__ import annotations

from accounts.models import User
from accounts.personal_data import ANONYMISED
from intake.models import Referral, ReferralEvent, ReferralEventKind, Screening
from intake.personal_data import referral_record_anonymise


def test_the_record_loses_its_words_and_keeps_choices_and_figures(
    referral: Referral, therapist: User
) -> None:
    Screening.objects.create(
        referral=referral,
        screened_by=therapist,
        notes="Talked about the children",
        answers={"violence": ["physical"], "children": "yes", "times": 3, "other": "On Fridays"},
    )
    ReferralEvent.objects.create(
        referral=referral, kind=ReferralEventKind.CONTACTED, text="Spoke with her sister"
    )
    ReferralEvent.objects.create(referral=referral, kind=ReferralEventKind.SCREENED)

    referral_record_anonymise(referral=referral)

    screening = Screening.objects.get(referral=referral)
    assert screening.notes == ANONYMISED
    assert screening.answers == {
        "violence": ["physical"],
        "children": "yes",
        "times": 3,
        "other": ANONYMISED,
    }
    texts = dict(ReferralEvent.objects.filter(referral=referral).values_list("kind", "text"))
    assert texts[ReferralEventKind.CONTACTED] == ANONYMISED
    assert texts[ReferralEventKind.SCREENED] == ""
