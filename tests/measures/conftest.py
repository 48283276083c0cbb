"""A small programme with the default measure schedule, the seeded instruments (made again
when a transactional test flushed them), and helpers to answer a measure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from measures.instruments import seed_instruments
from measures.models import Instrument, InstrumentItem, MeasureResponse
from measures.services import measure_response_submit, schedule_default
from modules.models import Enrollment, EnrollmentStatus
from tests.modules.conftest import enroll, make_programme


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


def complete(enrollment: Enrollment, at: datetime | None = None) -> Enrollment:
    """The treatment ended `at` (default: now)."""
    Enrollment.objects.filter(pk=enrollment.pk).update(
        status=EnrollmentStatus.COMPLETED, status_changed_at=at or timezone.now()
    )
    enrollment.refresh_from_db()
    return enrollment


def started(enrollment: Enrollment, days_ago: float) -> Enrollment:
    Enrollment.objects.filter(pk=enrollment.pk).update(
        started_at=timezone.now() - timedelta(days=days_ago)
    )
    enrollment.refresh_from_db()
    return enrollment


def answers_for(instrument: Instrument, values: list[int]) -> dict[str, int]:
    keys = list(instrument.items.order_by("order").values_list("key", flat=True))
    assert len(keys) == len(values)
    return dict(zip(keys, values, strict=True))


def answer(
    enrollment: Enrollment,
    instrument: Instrument,
    occasion: str,
    values: list[int] | None = None,
    now: datetime | None = None,
) -> MeasureResponse:
    count = instrument.items.count()
    assert enrollment.participant is not None
    return measure_response_submit(
        actor=enrollment.participant,
        enrollment=enrollment,
        instrument=instrument,
        occasion=occasion,
        answers=answers_for(instrument, values if values is not None else [0] * count),
        now=now,
    )
