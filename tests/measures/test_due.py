"""Which measures are due when: derived from the enrollment's dates and its programme's
schedule, with `now` passed in (no clock to freeze)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from measures.models import Occasion, ScheduleRule
from measures.selectors import due_for
from measures.services import AlreadyAnswered, schedule_default
from modules.models import Enrollment, EnrollmentStatus
from tests.helpers import answer, complete

pytestmark = pytest.mark.django_db

ALL = ["audit", "gad-7", "phq-9", "violence-checklist"]
FOLLOWUP = ["gad-7", "phq-9", "violence-checklist"]


def _due(enrollment, now):
    return [(d.occasion, d.instrument.key) for d in due_for(enrollment, now=now)]


def test_intake_is_due_from_the_start_while_active(enrollment):
    start = enrollment.started_at
    assert _due(enrollment, start - timedelta(seconds=1)) == []
    assert _due(enrollment, start) == [("intake", key) for key in ALL]
    assert _due(enrollment, start + timedelta(days=200)) == [("intake", key) for key in ALL]


def test_an_answered_measure_is_no_longer_due(enrollment, instruments):
    answer(enrollment, instruments["phq-9"], Occasion.INTAKE)
    assert ("intake", "phq-9") not in _due(enrollment, timezone.now())
    assert len(_due(enrollment, timezone.now())) == 3


def test_nothing_is_due_before_the_start_nor_while_paused_or_discontinued(
    programme, participant, therapist, enrollment
):
    now = timezone.now()
    for status in (EnrollmentStatus.PAUSED, EnrollmentStatus.DISCONTINUED):
        Enrollment.objects.filter(pk=enrollment.pk).update(status=status)
        enrollment.refresh_from_db()
        assert _due(enrollment, now) == []
    invited = Enrollment(programme=programme, participant=participant)
    assert _due(invited, now) == []


def test_completion_and_follow_ups_after_the_end(enrollment):
    end = timezone.now().replace(microsecond=0) - timedelta(days=1000)
    complete(enrollment, end)
    day = timedelta(days=1)
    assert _due(enrollment, end - day) == []
    assert _due(enrollment, end) == [("completion", key) for key in ALL]
    assert _due(enrollment, end + 89 * day) == [("completion", key) for key in ALL]
    assert _due(enrollment, end + 90 * day) == [("followup_3", key) for key in FOLLOWUP]
    assert _due(enrollment, end + 179 * day) == [("followup_3", key) for key in FOLLOWUP]
    assert _due(enrollment, end + 180 * day) == []
    assert _due(enrollment, end + 364 * day) == []
    assert _due(enrollment, end + 365 * day) == [("followup_12", key) for key in FOLLOWUP]
    assert _due(enrollment, end + 454 * day) == [("followup_12", key) for key in FOLLOWUP]
    assert _due(enrollment, end + 455 * day) == []


def test_intake_is_not_due_after_the_end(enrollment):
    complete(enrollment)
    assert not [d for d in _due(enrollment, timezone.now()) if d[0] == "intake"]


def test_the_schedule_is_the_programmes(enrollment, instruments):
    ScheduleRule.objects.filter(programme=enrollment.programme, occasion="intake").exclude(
        instrument=instruments["phq-9"]
    ).delete()
    assert _due(enrollment, timezone.now()) == [("intake", "phq-9")]
    instruments["phq-9"].active = False
    instruments["phq-9"].save(update_fields=["active"])
    assert _due(enrollment, timezone.now()) == []


def test_the_default_schedule_is_idempotent(programme):
    assert ScheduleRule.objects.filter(programme=programme).count() == 14
    assert schedule_default(programme) == 0
    assert ScheduleRule.objects.filter(programme=programme).count() == 14


def test_submitting_a_measure_that_is_not_due_is_refused(enrollment, instruments, participant2):
    with pytest.raises(ValidationError):
        answer(enrollment, instruments["phq-9"], Occasion.COMPLETION)
    answer(enrollment, instruments["phq-9"], Occasion.INTAKE, [1, 2, 0, 3, 1, 1, 0, 2, 1])
    with pytest.raises(AlreadyAnswered):
        answer(enrollment, instruments["phq-9"], Occasion.INTAKE)
    stored = enrollment.measure_responses.get()
    assert stored.score == 11 and stored.answers["4"] == 3
    from measures.services import measure_response_submit

    with pytest.raises(PermissionDenied):
        measure_response_submit(
            actor=participant2,
            enrollment=enrollment,
            instrument=instruments["gad-7"],
            occasion=Occasion.INTAKE,
            answers={},
        )
