"""Demo organisations and accounts for `make run`: two made-up organisations (accounts.demo),
staff for each role in each, participants in each, the content staff shared by both, and a
platform administrator outside them.

Idempotent: a second run keeps every account and its authenticator and grants nothing twice.
Each demo account gets a confirmed TOTP device with a fixed, published secret, so
`manage.py otp_code EMAIL` can print the current code (no phone needed). Never run this on a
real installation."""

from __future__ import annotations

import base64
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import DEMO_ORGANISATIONS, NORRBY, SODERLAND, demo_units
from accounts.models import Role, User
from accounts.services import grant_roles

DEMO_PASSWORD = "omtag-demo-2026"  # noqa: S105  (published demo password)
# Public on purpose: demo accounts only.
DEMO_TOTP_KEY_HEX = "4f6d7461672064656d6f20736563726574203031"  # "Omtag demo secret 01"

BOTH = (SODERLAND, NORRBY)
PLATFORM: tuple[str, ...] = ()

# (email, name, roles, the demo organisations they hold them in). A participant is in the
# organisation's demo unit; staff hold their roles for the whole organisation.
DEMO_ACCOUNTS: list[tuple[str, str, list[str], tuple[str, ...]]] = [
    ("participant@demo.omtag.se", "Alex", [Role.PARTICIPANT], (SODERLAND,)),
    ("participant2@demo.omtag.se", "Robin", [Role.PARTICIPANT], (NORRBY,)),
    ("therapist@demo.omtag.se", "Terapeut Tove", [Role.THERAPIST], (SODERLAND,)),
    ("therapist2@demo.omtag.se", "Terapeut Tim", [Role.THERAPIST], (NORRBY,)),
    ("partner-worker@demo.omtag.se", "Partnerkontakt Pia", [Role.PARTNER_WORKER], (SODERLAND,)),
    (
        "partner-worker-norrby@demo.omtag.se",
        "Partnerkontakt Per",
        [Role.PARTNER_WORKER],
        (NORRBY,),
    ),
    ("editor@demo.omtag.se", "Redaktör Erik", [Role.EDITOR], BOTH),
    (
        "clinical-lead@demo.omtag.se",
        "Klinisk ledare Karin",
        [Role.CLINICAL_LEAD, Role.THERAPIST],
        BOTH,
    ),
    ("org-lead@demo.omtag.se", "Verksamhetschef Vera", [Role.ORG_LEAD], (SODERLAND,)),
    ("org-lead-norrby@demo.omtag.se", "Enhetschef Nils", [Role.ORG_LEAD], (NORRBY,)),
    ("admin@demo.omtag.se", "Admin Ada", [Role.ADMIN], (SODERLAND,)),
    ("admin-norrby@demo.omtag.se", "Admin Noa", [Role.ADMIN], (NORRBY,)),
    ("log-reviewer@demo.omtag.se", "Logggranskare Lo", [Role.LOG_REVIEWER], (SODERLAND,)),
    ("platform@demo.omtag.se", "Plattform Paula", [Role.PLATFORM_ADMIN], PLATFORM),
]


def demo_secret_base32() -> str:
    return base64.b32encode(bytes.fromhex(DEMO_TOTP_KEY_HEX)).decode().rstrip("=")


class Command(BaseCommand):
    help = "Create the demo accounts (idempotent). Refuses to run with DEBUG off unless --force."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")
        parser.add_argument("--quiet", action="store_true", help="print nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Demo accounts are for development (DEBUG=1). Use --force to insist."
            )
        with transaction.atomic():
            units = demo_units()
            for email, name, roles, places in DEMO_ACCOUNTS:
                user = User.objects.filter(email=email).first()
                created = user is None
                if user is None:
                    user = User.objects.create_user(email, DEMO_PASSWORD, display_name=name)
                if not places:
                    grant_roles(user, roles)
                elif Role.PARTICIPANT in roles:
                    # Once: a participant's unit is where their treatment is.
                    if created:
                        grant_roles(user, roles, unit=units[places[0]])
                else:
                    for place in places:
                        grant_roles(user, roles, organisation=units[place].organisation_id)
                EmailAddress.objects.get_or_create(
                    user=user, email=email, defaults={"primary": True, "verified": True}
                )
                if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                    TOTPDevice.objects.create(
                        user=user, name="demo", key=DEMO_TOTP_KEY_HEX, confirmed=True
                    )
        if options["quiet"]:
            return
        self.stdout.write(self._instructions())

    def _instructions(self) -> str:
        def where(places: tuple[str, ...]) -> str:
            if not places:
                return "(the platform)"
            return " + ".join(DEMO_ORGANISATIONS[p][0] for p in places)

        rows = "\n".join(
            f"  {', '.join(str(Role(r).label) for r in roles):<36} {email:<38} {where(places)}"
            for email, _name, roles, places in DEMO_ACCOUNTS
        )
        return (
            "\nDemo accounts (password for all: "
            f"{DEMO_PASSWORD}):\n{rows}\n\n"
            "Second factor: every demo account shares one authenticator key,\n"
            f"  {demo_secret_base32()}\n"
            "Add it to an authenticator app, or print the current six-digit code with\n"
            "  make code            (or: .venv/bin/python manage.py otp_code)\n\n"
            "Open http://127.0.0.1:8000 and log in.\n"
        )
