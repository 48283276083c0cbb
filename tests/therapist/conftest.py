"""A three-module programme and the cast's participant enrolled in it."""

from __future__ import annotations

import pytest

from modules.models import Enrollment
from tests.helpers import enroll, make_programme


@pytest.fixture
def programme(db):
    return make_programme(modules=3, answers_per_module=2)


@pytest.fixture
def enrollment(programme, participant, therapist) -> Enrollment:
    return enroll(participant, therapist, programme)
