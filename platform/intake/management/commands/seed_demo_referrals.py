"""Demo referrals for `make run`: three people in the intake queues, of different ages and
sources: two in Region Söderland's (one of them already reached by the demo therapist) and
a request for help in Norrby kommun's (accounts.demo). Idempotent; DEBUG only."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.demo import NORRBY, SODERLAND, demo_units
from accounts.models import User
from intake.models import (
    MayLeaveMessage,
    Referral,
    ReferralEvent,
    ReferralEventKind,
    ReferralSource,
    ReferralStatus,
)

# The demo organisation whose queue each referral is in, and the therapist who works there.
THERAPIST = {
    SODERLAND: "therapist@demo.omtag.se",
    NORRBY: "therapist2@demo.omtag.se",
}

DEMO: list[dict[str, Any]] = [
    {
        "public_id": uuid.UUID("5eed0000-0000-4000-8000-000000000001"),
        "days_ago": 1,
        "place": NORRBY,
        "source": ReferralSource.SELF,
        "name": "Micke",
        "phone": "070-123 45 67",
        "safe_times": "Vardagar 8–10, då är jag ensam i bilen",
        "may_leave_message": MayLeaveMessage.NO,
        "situation": "Jag skrek och tog tag i min sambo förra veckan. Jag vill inte att det "
        "händer igen.",
    },
    {
        "public_id": uuid.UUID("5eed0000-0000-4000-8000-000000000002"),
        "days_ago": 6,
        "place": SODERLAND,
        "source": ReferralSource.SOCIAL_SERVICES,
        "agency": "Socialtjänsten, Jönköpings kommun",
        "agency_contact": "Anna Berg, 036-10 20 30",
        "consent_to_contact": True,
        "name": "Johan",
        "phone": "+46 73 555 12 34",
        "safe_times": "Eftermiddagar efter 15",
        "may_leave_message": MayLeaveMessage.YES,
        "situation": "Orosanmälan från skolan; pappa till två barn. Vill ha stöd.",
        "contacted": True,
    },
    {
        "public_id": uuid.UUID("5eed0000-0000-4000-8000-000000000003"),
        "days_ago": 12,
        "place": SODERLAND,
        "source": ReferralSource.PROBATION,
        "agency": "Frivården Jönköping",
        "agency_contact": "Lars Ek, frivårdsinspektör",
        "consent_to_contact": True,
        "name": "Ali",
        "phone": "072 000 11 22",
        "safe_times": "",
        "may_leave_message": MayLeaveMessage.UNKNOWN,
        "situation": "Villkorlig dom; motiverad att gå ett program.",
    },
]


class Command(BaseCommand):
    help = "Put three demo referrals in the intake queue (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Demo data is for development (DEBUG=1). Use --force to insist.")
        units = demo_units()
        now = timezone.now()
        made = 0
        for item in DEMO:
            data = dict(item)
            if Referral.objects.filter(public_id=data["public_id"]).exists():
                continue
            place = data.pop("place")
            therapist = User.objects.filter(email=THERAPIST[place]).first()
            received = now - timedelta(days=data.pop("days_ago"))
            contacted = data.pop("contacted", False) and therapist is not None
            with transaction.atomic():
                referral = Referral.objects.create(
                    unit=units[place],
                    received_at=received,
                    status_changed_at=received,
                    entered_by=None if data["source"] == ReferralSource.SELF else therapist,
                    **data,
                )
                kind = (
                    ReferralEventKind.RECEIVED
                    if referral.source == ReferralSource.SELF
                    else ReferralEventKind.ENTERED
                )
                ReferralEvent.objects.create(
                    referral=referral, kind=kind, at=received, by=referral.entered_by
                )
                if contacted:
                    at = received + timedelta(days=2)
                    referral.first_contact_at = at
                    referral.status = ReferralStatus.SCREENING
                    referral.status_changed_at = at
                    referral.assigned_to = therapist
                    referral.save(
                        update_fields=[
                            "first_contact_at",
                            "status",
                            "status_changed_at",
                            "assigned_to",
                        ]
                    )
                    ReferralEvent.objects.create(
                        referral=referral, kind=ReferralEventKind.CONTACTED, at=at, by=therapist
                    )
            made += 1
        self.stdout.write(f"Demo referrals: {made} added, {len(DEMO) - made} already there.")
