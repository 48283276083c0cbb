"""A participant in treatment, their partner's case with the participant's consents, held
by the cast's partner-contact worker."""

from __future__ import annotations

import pytest

from accounts.models import User
from modules.models import Enrollment
from partner.models import PartnerCase
from partner.services import case_open
from tests.helpers import consent_both, enroll, make_programme


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """The services' messages are matched in English here."""


@pytest.fixture(autouse=True)
def _risk_items(db: None) -> None:
    """The instrument comes from a data migration; a transactional test elsewhere in the
    suite flushes the database and takes it away, so put it back."""
    from importlib import import_module

    from django.apps import apps

    import_module("partner.migrations.0002_risk_items").add_items(apps, None)


@pytest.fixture
def enrollment(participant: User, therapist: User) -> Enrollment:
    return enroll(participant, therapist, make_programme(modules=2, answers_per_module=1))


@pytest.fixture
def case(enrollment: Enrollment, partner_worker: User) -> PartnerCase:
    consent_both(enrollment, partner_worker)
    return case_open(
        actor=partner_worker,
        enrollment=enrollment,
        contact={"name": "Sam", "phone": "070-111 22 33", "safe_times": "Weekdays 9-11"},
    )
