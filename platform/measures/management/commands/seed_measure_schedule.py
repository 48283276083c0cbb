from typing import Any

from django.core.management.base import BaseCommand
from wagtail.models import Locale

from content.models import ProgramPage
from measures.models import ScheduleRule
from measures.services import schedule_default


class Command(BaseCommand):
    help = (
        "Give every programme in the original language that has no measure schedule the "
        "default one (idempotent: a programme with rules is left as it is)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        scheduled = ScheduleRule.objects.values("programme_id")
        # Enrollments point at the original-language page; its translations need no rules.
        programmes = ProgramPage.objects.filter(locale=Locale.get_default()).exclude(
            pk__in=scheduled
        )
        for programme in programmes:
            added = schedule_default(programme)
            self.stdout.write(f"“{programme.title}”: {added} measure(s) scheduled.")
        if not programmes:
            self.stdout.write("Every programme has a measure schedule; nothing to do.")
