"""The discreet reminder: once per enrollment and occasion, a day after the measures became
due, never naming the questionnaire."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from measures.models import MeasureReminder, Occasion
from measures.reminders import send_reminders
from modules.models import Enrollment
from tests.helpers import answer, complete, started

pytestmark = pytest.mark.django_db


def _run() -> int:
    before = len(mail.outbox)
    call_command("send_measure_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return len(mail.outbox) - before


def test_run_twice_sends_once_and_names_nothing(enrollment, instruments, participant):
    started(enrollment, days_ago=2)
    assert _run() == 1
    assert _run() == 0
    message = mail.outbox[0]
    assert message.to == [participant.email]
    text = f"{message.subject}\n{message.body}"
    for instrument in instruments.values():
        for word in (
            instrument.name_sv,
            instrument.name_en,
            instrument.key,
            instrument.key.upper(),
        ):
            assert word not in text
    for word in ("PHQ", "GAD", "AUDIT", "alkohol", "alcohol", "våld", "violence", "depress"):
        assert word.lower() not in text.lower()
    assert "/account/login/" in message.body
    reminder = MeasureReminder.objects.get()
    assert reminder.occasion == Occasion.INTAKE and reminder.recipient == participant


def test_the_first_day_goes_without_an_email(enrollment):
    started(enrollment, days_ago=0.5)
    assert _run() == 0
    assert send_reminders(now=timezone.now() + timedelta(days=1)) == 1


def test_nothing_is_sent_when_everything_is_answered(enrollment, instruments):
    started(enrollment, days_ago=3)
    for key in ("phq-9", "gad-7", "audit", "violence-checklist"):
        answer(enrollment, instruments[key], Occasion.INTAKE)
    assert _run() == 0


def test_each_occasion_gets_its_own_reminder(enrollment):
    started(enrollment, days_ago=30)
    assert _run() == 1
    complete(enrollment, timezone.now() - timedelta(days=2))
    assert _run() == 1
    assert send_reminders(now=timezone.now() + timedelta(days=89)) == 1  # three months
    assert send_reminders(now=timezone.now() + timedelta(days=365)) == 1  # twelve months
    assert _run() == 0
    assert sorted(MeasureReminder.objects.values_list("occasion", flat=True)) == sorted(
        Occasion.values
    )


def test_locked_or_inactive_accounts_get_nothing(enrollment, participant):
    started(enrollment, days_ago=2)
    participant.locked_at = timezone.now()
    participant.save(update_fields=["locked_at"])
    assert _run() == 0
    participant.locked_at = None
    participant.is_active = False
    participant.save(update_fields=["locked_at", "is_active"])
    assert _run() == 0
    assert not MeasureReminder.objects.exists()


def test_a_failed_send_is_tried_again(enrollment, monkeypatch):
    started(enrollment, days_ago=2)

    def broken(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("accounts.emails.send_mail", broken)
    with pytest.raises(OSError):
        send_reminders()
    assert not MeasureReminder.objects.exists()
    monkeypatch.undo()
    assert _run() == 1


def test_the_query_count_does_not_grow_with_the_participants(
    programme, therapist, django_assert_max_num_queries
):
    from tests.helpers import many_participants

    enrollments = many_participants(12, therapist, programme)
    Enrollment.objects.filter(pk__in=[e.pk for e in enrollments]).update(
        started_at=timezone.now() - timedelta(days=3)
    )
    # Reading: enrollments, roles, responses, reminders, rules; then per email one insert
    # (and a savepoint pair).
    with django_assert_max_num_queries(5 + 3 * 12 + 2):
        assert send_reminders() == 12
