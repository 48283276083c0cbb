"""Demo enrollments for `make run`: both demo participants in the programme with the first
demo therapist, the first participant a little way in. Idempotent; DEBUG only."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from modules.models import Enrollment, ModuleProgress, ModuleState
from modules.services import default_programme, enrollment_create, enrollment_start
from organisations.selectors import first_unit


class Command(BaseCommand):
    help = "Enroll the demo participants (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Demo data is for development (DEBUG=1). Use --force to insist.")
        programme = default_programme()
        therapist = User.objects.filter(email="therapist@demo.omtag.se").first()
        if programme is None or therapist is None:
            raise CommandError("Run seed_programme and seed_demo first.")
        for email in ("participant@demo.omtag.se", "participant2@demo.omtag.se"):
            participant = User.objects.get(email=email)
            if Enrollment.objects.filter(participant=participant).exists():
                continue
            enrollment = enrollment_create(
                actor=None,
                participant=participant,
                programme=programme,
                therapist=therapist,
                unit=first_unit(),
            )
            enrollment_start(enrollment=enrollment)
            if email.startswith("participant@"):
                # A little way in: the welcome module done, the second open.
                rows = list(
                    ModuleProgress.objects.filter(enrollment=enrollment).order_by("module__path")
                )
                rows[0].state = ModuleState.COMPLETED
                rows[0].completed_at = rows[0].unlocked_at
                rows[0].save(update_fields=["state", "completed_at"])
                rows[1].state = ModuleState.UNLOCKED
                rows[1].unlocked_at = rows[0].unlocked_at
                rows[1].unlocked_by = therapist
                rows[1].save(update_fields=["state", "unlocked_at", "unlocked_by"])
        self.stdout.write("Demo participants are enrolled with therapist@demo.omtag.se.")
