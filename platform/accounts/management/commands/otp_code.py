"""Print the current authenticator code of a demo account (development only)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current TOTP code for a demo account (DEBUG only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email", nargs="?", default="participant@demo.omtag.se")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("otp_code only works with DEBUG=1 (development).")
        device = TOTPDevice.objects.filter(
            user__email__iexact=options["email"], confirmed=True
        ).first()
        if device is None:
            raise CommandError(f"No confirmed authenticator for {options['email']}.")
        code = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
