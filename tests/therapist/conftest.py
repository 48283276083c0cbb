from __future__ import annotations

import pytest

from accounts.models import Role, User
from modules.models import Enrollment
from tests.conftest import make_user
from tests.modules.conftest import enroll, make_programme


@pytest.fixture
def programme(db):
    return make_programme(modules=3, answers_per_module=2)


@pytest.fixture
def enrollment(programme, participant, therapist) -> Enrollment:
    return enroll(participant, therapist, programme)


def many_participants(n: int, therapist: User, programme, start: int = 0) -> list[Enrollment]:
    return [
        enroll(
            make_user(f"p{i}@example.org", [Role.PARTICIPANT], name=f"P{i}"), therapist, programme
        )
        for i in range(start, start + n)
    ]
