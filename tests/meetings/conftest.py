"""A programme, the cast's participant enrolled with the cast's therapist, and free time."""

from __future__ import annotations

import pytest

from modules.models import Enrollment
from tests.helpers import enroll, make_programme


@pytest.fixture
def programme(db):
    return make_programme(modules=2, answers_per_module=1)


@pytest.fixture
def enrollment(programme, participant, therapist) -> Enrollment:
    return enroll(participant, therapist, programme)
