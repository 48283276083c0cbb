"""An enrolled participant with a thread (as the messaging tests make them)."""

from __future__ import annotations

import pytest

from accounts.models import User
from messaging.models import Thread
from modules.models import Enrollment
from tests.helpers import enroll, make_programme


@pytest.fixture
def enrollment(participant: User, therapist: User) -> Enrollment:
    return enroll(participant, therapist, make_programme(modules=1, answers_per_module=2))


@pytest.fixture
def thread(enrollment: Enrollment) -> Thread:
    return Thread.objects.get(enrollment=enrollment)
