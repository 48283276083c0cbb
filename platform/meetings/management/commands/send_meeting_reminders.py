from typing import Any

from django.core.management.base import BaseCommand

from meetings.tasks import send_meeting_reminders


class Command(BaseCommand):
    help = (
        "Queue the discreet meeting reminders (the day before and an hour before) for the task "
        "worker; --now sends them in this process. Safe to run every few minutes."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--now", action="store_true", help="send here, not by the worker")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["now"]:
            self.stdout.write(f"Sent {send_meeting_reminders.call()} reminder(s).")
        else:
            send_meeting_reminders.enqueue()
            self.stdout.write("Queued the meeting reminders.")
