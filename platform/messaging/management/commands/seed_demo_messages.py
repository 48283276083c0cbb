"""A short demo conversation for `make run`, so a message waiting for the therapist's answer
and the participant's "your therapist has written" are there to see. Idempotent; DEBUG only."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from messaging.models import Thread
from messaging.services import message_send

CONVERSATION = [
    ("therapist", "Hej! Välkommen till behandlingen. Skriv gärna hur veckan har varit."),
    ("participant", "Hej. Det har varit en jobbig vecka, men jag har läst första modulen."),
    ("therapist", "Bra att du har kommit igång. Jag har öppnat nästa modul för dig."),
    ("participant", "Tack. Jag hade en jobbig kväll igår, kan vi prata om det?"),
]


class Command(BaseCommand):
    help = "Write a short demo conversation (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Demo data is for development (DEBUG=1). Use --force to insist.")
        thread = (
            Thread.objects.filter(enrollment__participant__email="participant@demo.omtag.se")
            .select_related("enrollment__participant", "enrollment__therapist")
            .first()
        )
        if thread is None or thread.enrollment.therapist is None:
            raise CommandError("Run seed_demo and seed_demo_treatment first.")
        people: dict[str, User] = {
            "participant": thread.enrollment.participant,  # type: ignore[dict-item]
            "therapist": thread.enrollment.therapist,
        }
        for number, (who, body) in enumerate(CONVERSATION):
            message_send(
                sender=people[who],
                thread=thread,
                body=body,
                client_id=uuid.uuid5(uuid.NAMESPACE_URL, f"omtag-demo-message-{number}"),
            )
        self.stdout.write("A demo conversation is in participant@demo.omtag.se's messages.")
