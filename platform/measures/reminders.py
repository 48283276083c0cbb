"""The discreet reminder: at most one email per enrollment and occasion, once a measure has
been due for a day and is still not answered. Like the message notification it says only
that there is something to fill in, never which questionnaire or what it asks (safety
rule 4), and links to the login page. Run by the task `measures.tasks.send_measure_reminders`
and the command `manage.py send_measure_reminders`."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.emails import send_discreet_email
from accounts.models import Role, User
from modules.models import Enrollment, EnrollmentStatus

from .models import MeasureReminder, MeasureResponse, ScheduleRule
from .selectors import due_items, open_occasions, rules_for

# A participant who fills in the questionnaires on the day they become due gets no email.
REMIND_AFTER = timedelta(days=1)


def _may_email(user: User | None) -> bool:
    """Only an active, unlocked participant with an email address is reminded."""
    return bool(
        user is not None
        and user.is_active
        and user.locked_at is None
        and user.email
        and user.has_role(Role.PARTICIPANT)
    )


def send_reminders(*, now: datetime | None = None) -> int:
    """Email every participant with a measure due for at least REMIND_AFTER and unanswered,
    once per (enrollment, occasion). Safe to run as often as wanted. Returns how many emails
    were sent."""
    now = now or timezone.now()
    enrollments = list(
        Enrollment.objects.filter(
            status__in=[EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED],
            participant__isnull=False,
        )
        .select_related("participant")
        .prefetch_related("participant__role_grants")
    )
    candidates = [e for e in enrollments if open_occasions(e, now - REMIND_AFTER)]
    if not candidates:
        return 0
    ids = [e.pk for e in candidates]
    answered: dict[int, set[tuple[int, str]]] = {}
    for enrollment_id, instrument_id, occasion in MeasureResponse.objects.filter(
        enrollment_id__in=ids
    ).values_list("enrollment_id", "instrument_id", "occasion"):
        answered.setdefault(enrollment_id, set()).add((instrument_id, occasion))
    reminded: dict[int, set[str]] = {}
    for enrollment_id, occasion in MeasureReminder.objects.filter(
        enrollment_id__in=ids
    ).values_list("enrollment_id", "occasion"):
        reminded.setdefault(enrollment_id, set()).add(occasion)
    rules: dict[int, list[ScheduleRule]] = {}
    sent = 0
    for enrollment in candidates:
        if not _may_email(enrollment.participant):
            continue
        if enrollment.programme_id not in rules:
            rules[enrollment.programme_id] = rules_for(enrollment.programme_id)
        due = due_items(
            enrollment, rules[enrollment.programme_id], answered.get(enrollment.pk, set()), now
        )
        occasions = sorted(
            {d.occasion for d in due if d.since <= now - REMIND_AFTER}
            - reminded.get(enrollment.pk, set())
        )
        for occasion in occasions:
            sent += _remind(enrollment, occasion, now)
    return sent


def _remind(enrollment: Enrollment, occasion: str, now: datetime) -> int:
    """Claim the (enrollment, occasion) reminder and send it; a failed send rolls the claim
    back so the next run tries again, a claim another run made first means nothing to do."""
    assert enrollment.participant is not None
    try:
        with transaction.atomic():
            MeasureReminder.objects.create(
                enrollment=enrollment,
                occasion=occasion,
                sent_at=now,
                recipient=enrollment.participant,
            )
            send_discreet_email(enrollment.participant, "measures/email/reminder")
    except IntegrityError:
        return 0
    return 1
