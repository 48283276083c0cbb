"""A demo partner case for `make run`: the first demo participant has consented, and the
demo partner-contact worker has a case for their partner with one conversation and an
assessment (not shared). The second participant has not consented yet, so the worker can
try recording consents and opening a case. Idempotent; DEBUG only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from modules.models import Enrollment
from partner import services
from partner.models import ConsentKind, PartnerCase


class Command(BaseCommand):
    help = "Open a demo partner case (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Demo data is for development (DEBUG=1). Use --force to insist.")
        worker = User.objects.filter(email="partner-worker@demo.omtag.se").first()
        enrollment = Enrollment.objects.filter(
            participant__email="participant@demo.omtag.se"
        ).first()
        if worker is None or enrollment is None:
            raise CommandError("Run seed_demo and seed_demo_treatment first.")
        if PartnerCase.objects.filter(enrollment=enrollment).exists():
            self.stdout.write("The demo partner case exists already.")
            return
        earlier = timezone.localdate() - timedelta(days=6)
        for kind in ConsentKind.values:
            if services.standing_consent(enrollment, kind) is None:
                services.consent_record(
                    actor=worker, enrollment=enrollment, kind=kind, given_on=earlier
                )
        case = services.case_open(
            actor=worker,
            enrollment=enrollment,
            contact={
                "name": "Sam (alias)",
                "phone": "070-000 00 00",
                "contact_channel": "Mobilen, aldrig den fasta telefonen hemma",
                "safe_times": "Vardagar 10–12, när Alex är på jobbet",
                "may_leave_message": "no",
                "code_word": "Blåbär",
            },
        )
        services.case_set_status(actor=worker, case=case, status="active")
        services.conversation_add(
            actor=worker,
            case=case,
            held_on=earlier + timedelta(days=1),
            form="phone",
            minutes=35,
            notes=(
                "Första samtalet. Berättade för Sam om behandlingen, realistiskt: den kan "
                "hjälpa, men lovar ingenting. Sam vill ha ett nytt samtal nästa vecka."
            ),
        )
        services.assessment_record(
            actor=worker,
            case=case,
            assessed_on=earlier + timedelta(days=1),
            answers={"s_afraid": "yes", "d_psychological": "weekly", "x_jealousy": "yes"},
            description="Mest psykiskt våld och kontroll det senaste året.",
            level="medium",
        )
        self.stdout.write("A demo partner case is open for partner-worker@demo.omtag.se.")
