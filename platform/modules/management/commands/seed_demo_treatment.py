"""Demo enrollments for `make run`: each demo participant in the programme in their own demo
organisation (accounts.demo), Alex with the first demo therapist in Region Söderland and a
little way in, Robin with the second in Norrby kommun. Idempotent; DEBUG only."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import NORRBY, SODERLAND, demo_units
from accounts.models import User
from audit.services import record_access
from content.models import ProgrammeOffer, ProgramPage
from modules.models import Enrollment, ModuleProgress, ModuleState
from modules.services import default_programme, enrollment_create, enrollment_start

# participant, therapist, demo organisation
DEMO_TREATMENT = [
    ("participant@demo.omtag.se", "therapist@demo.omtag.se", SODERLAND),
    ("participant2@demo.omtag.se", "therapist2@demo.omtag.se", NORRBY),
]


class Command(BaseCommand):
    help = "Enroll the demo participants (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Demo data is for development (DEBUG=1). Use --force to insist.")
        programme = default_programme()
        if programme is None or not User.objects.filter(email="therapist@demo.omtag.se").exists():
            raise CommandError("Run seed_programme and seed_demo first.")
        units = demo_units()
        # Both demo organisations offer the seeded programme (the shared library): Region
        # Söderland owns it, Norrby kommun offers it as it is.
        for unit in units.values():
            ProgrammeOffer.objects.get_or_create(
                organisation_id=unit.organisation_id, translation_key=programme.translation_key
            )
        ProgramPage.objects.filter(
            translation_key=programme.translation_key, owning_organisation__isnull=True
        ).update(owning_organisation_id=units[SODERLAND].organisation_id)
        for email, therapist_email, place in DEMO_TREATMENT:
            participant = User.objects.get(email=email)
            therapist = User.objects.get(email=therapist_email)
            if Enrollment.objects.filter(participant=participant).exists():
                continue
            enrollment = enrollment_create(
                actor=None,
                participant=participant,
                programme=programme,
                therapist=therapist,
                unit=units[place],
            )
            enrollment_start(enrollment=enrollment)
            # The therapist has opened the record: reads a demo log reviewer can sample.
            for what in ("overview", "answers", "notes"):
                record_access(actor=therapist, subject=participant, what=what, unit=units[place])
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
        self.stdout.write(
            "Demo participants are enrolled: participant@ with therapist@ (Region Söderland), "
            "participant2@ with therapist2@ (Norrby kommun)."
        )
