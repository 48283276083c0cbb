from typing import Any

from django.core.management.base import BaseCommand

from measures.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "Email participants who have a questionnaire due (once per occasion; the email never "
        "names it). Safe to run every hour."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_reminders()
        self.stdout.write(f"Sent {sent} reminder(s).")
