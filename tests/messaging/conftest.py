"""An active enrollment of the cast's participant with the cast's therapist, and its thread."""

from __future__ import annotations

import pytest

from accounts.models import User
from messaging.models import Thread
from modules.models import Enrollment
from tests.helpers import enroll, make_programme


@pytest.fixture
def enrollment(participant: User, therapist: User) -> Enrollment:
    return enroll(participant, therapist, make_programme(modules=1, answers_per_module=1))


@pytest.fixture
def thread(enrollment: Enrollment) -> Thread:
    return Thread.objects.get(enrollment=enrollment)


@pytest.fixture
def other_thread(participant2: User, other_therapist: User) -> Thread:
    """Someone else's conversation: participant2 with the second therapist."""
    e = enroll(participant2, other_therapist, make_programme(modules=1, answers_per_module=1))
    return Thread.objects.get(enrollment=e)
