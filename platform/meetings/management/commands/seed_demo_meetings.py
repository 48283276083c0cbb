"""Demo meetings for `make run`: the first demo therapist free on weekdays 09:00-12:00 and
13:00-16:00 (Stockholm), Alex with one phone meeting booked in that time a few days ahead, and
a video meeting with Alex starting a few minutes after the command runs, so its room is open
and the video call can be tried at once (as the therapist in one browser, Alex in another).
Idempotent; DEBUG only."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from meetings import selectors, services, times
from meetings.models import Kind, Meeting, Status, WeeklyHours
from modules.models import Enrollment, EnrollmentStatus

THERAPIST = "therapist@demo.omtag.se"
PARTICIPANT = "participant@demo.omtag.se"
HOURS = [(time(9), time(12)), (time(13), time(16))]


class Command(BaseCommand):
    help = "Give the demo therapist weekly hours and Alex one upcoming meeting (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Demo data is for development (DEBUG=1). Use --force to insist.")
        therapist = User.objects.filter(email=THERAPIST).first()
        enrollment = (
            Enrollment.objects.filter(
                participant__email=PARTICIPANT, status=EnrollmentStatus.ACTIVE
            )
            .select_related("participant", "therapist", "unit")
            .first()
        )
        if therapist is None or enrollment is None or enrollment.therapist_id != therapist.pk:
            raise CommandError("Run seed_demo and seed_demo_treatment first.")
        if not WeeklyHours.objects.filter(therapist=therapist).exists():
            for weekday in range(5):
                for starts, ends in HOURS:
                    services.hours_add(actor=therapist, weekday=weekday, starts=starts, ends=ends)
        upcoming = selectors.upcoming(Meeting.objects.filter(enrollment=enrollment))
        if not upcoming.exists():
            after = timezone.localdate(timezone.now(), times.zone()) + timedelta(days=3)
            free = selectors.free_times(therapist, participant=enrollment.participant, first=after)
            services.meeting_book(
                actor=therapist, enrollment=enrollment, kind=Kind.PHONE, starts_at=free[0]
            )
        self._video_meeting_now(therapist, enrollment)
        self.stdout.write("Demo meetings ready.")

    def _video_meeting_now(self, therapist: User, enrollment: Enrollment) -> None:
        """A video meeting whose room is open now (it opens OPENS_BEFORE the start), unless
        one is open or still to come within the hour. Made directly, not through booking: it
        is demo data, and the demo may run outside the therapist's hours."""
        now = timezone.now()
        soon = Meeting.objects.filter(
            enrollment=enrollment,
            kind=Kind.VIDEO,
            status=Status.SCHEDULED,
            ends_at__gt=now,
            starts_at__lt=now + timedelta(hours=1),
        )
        if soon.exists():
            return
        participant = enrollment.participant
        assert participant is not None  # an active enrollment has its participant
        starts = (now + timedelta(minutes=5)).replace(second=0, microsecond=0)
        Meeting.objects.create(
            enrollment=enrollment,
            therapist=therapist,
            participant=participant,
            kind=Kind.VIDEO,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=45),
            booked_by=therapist,
        )
