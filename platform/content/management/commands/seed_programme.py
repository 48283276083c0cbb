from typing import Any

from django.core.management.base import BaseCommand

from content.seed import seed_programme


class Command(BaseCommand):
    help = "Create the seeded treatment programme (idempotent: an existing programme is kept)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_programme()
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created the programme “{result.programme.title}” "
                    f"with {len(result.modules)} modules."
                )
            )
        else:
            self.stdout.write(
                f"The programme “{result.programme.title}” already exists; left as it is."
            )
        if result.translated:
            self.stdout.write(f"Added translations: {', '.join(result.translated)}.")
        if result.workflow_attached:
            self.stdout.write(
                f"Put under the clinical review workflow: {', '.join(result.workflow_attached)}."
            )
