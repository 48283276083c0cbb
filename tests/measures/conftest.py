"""A small programme with the default measure schedule, the seeded instruments (made again
when a transactional test flushed them), and an enrollment in it; the helpers that answer a
measure are in tests/helpers.py."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from measures.instruments import seed_instruments
from measures.models import Instrument, InstrumentItem
from measures.services import schedule_default
from modules.models import Enrollment
from tests.helpers import enroll, make_programme


@pytest.fixture
def instruments(db: None) -> dict[str, Instrument]:
    seed_instruments(Instrument, InstrumentItem)
    return {i.key: i for i in Instrument.objects.all()}


@pytest.fixture
def programme(db: None, instruments: dict[str, Instrument]) -> Any:
    programme = make_programme(modules=2, answers_per_module=1)
    schedule_default(programme)
    return programme


@pytest.fixture
def enrollment(programme: Any, participant: User, therapist: User) -> Enrollment:
    return enroll(participant, therapist, programme)
