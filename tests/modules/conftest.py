"""A programme built in code, and an active enrollment of the cast's participant in it
(tests.helpers.make_programme and enroll, which the other apps' tests use too)."""

from __future__ import annotations

import pytest

from accounts.models import User
from content.models import ProgramPage
from modules.models import Enrollment
from tests.helpers import enroll, make_programme


@pytest.fixture
def programme(db: None) -> ProgramPage:
    return make_programme()


@pytest.fixture
def enrollment(programme: ProgramPage, participant: User, therapist: User) -> Enrollment:
    return enroll(participant, therapist, programme)
