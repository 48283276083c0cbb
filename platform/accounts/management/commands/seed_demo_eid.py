"""Point the demo's region (Region Söderland) at the local test e-ID provider
(tools/oidc/provider.mjs, started by `make eid-demo`) and link the demo participant to one of
its made-up people. Idempotent. Demo only: never run against a database with real people."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from accounts.eid import PIN_CLAIM
from accounts.identity import identity_hash
from accounts.models import User
from organisations.models import IdentityProvider, ParticipantLogin
from organisations.selectors import first_unit

SLUG = "eid-demo"
CLIENT_ID = "omtag-demo"
CLIENT_SECRET = "omtag-demo-secret"  # noqa: S105 (the local test provider's, demo only)
LEVELS = ["http://id.elegnamnden.se/loa/1.0/loa3", "http://id.elegnamnden.se/loa/1.0/loa4"]
# The demo participant and the provider's made-up person they are (tools/oidc/provider.mjs).
DEMO_PEOPLE = {"participant@demo.omtag.se": "191212121212"}


class Command(BaseCommand):
    help = "Use the local test e-ID provider in the demo (made-up people only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--issuer", default="http://127.0.0.1:8090")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = first_unit().organisation
        with transaction.atomic():
            IdentityProvider.objects.update_or_create(
                slug=SLUG,
                defaults={
                    "organisation": organisation,
                    "name": "Testleverantör (påhittade personer)",
                    "purpose": IdentityProvider.Purpose.EID,
                    "enabled": True,
                    "issuer": options["issuer"],
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "identity_claim": PIN_CLAIM,
                    "accepted_levels": LEVELS,
                },
            )
            organisation.participant_login = ParticipantLogin.EID_OR_PASSWORD
            organisation.save(update_fields=["participant_login"])
            for email, number in DEMO_PEOPLE.items():
                User.objects.filter(email=email).update(identity_hash=identity_hash(number))
        self.stdout.write(
            f"{organisation.name} logs participants in with e-ID at {options['issuer']} "
            "(test provider, made-up people). participant@demo.omtag.se is Tolvan Tolvansson."
        )
