"""`manage.py seed_load`: load data in bulk (see reports.load) for the benchmarks and for
trying the platform with a crowd. Needs `seed_programme` first. Refuses to run with DEBUG off
unless --force: every account it makes shares a published password."""

from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.load import ReportSize, seed_pairs, seed_participants, seed_report_data


class Command(BaseCommand):
    help = (
        "Seed load data: --participants N (in all, on one therapist's caseload, with answers),"
        " --pairs N (participants with a therapist each), --report-enrollments N (an"
        " organisation for the report). Refuses to run with DEBUG off unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--participants", type=int, default=0, metavar="N")
        parser.add_argument("--pairs", type=int, default=0, metavar="N")
        parser.add_argument("--tag", default="load", help="keeps the pairs of runs apart")
        parser.add_argument("--report-enrollments", type=int, default=0, metavar="N")
        parser.add_argument("--seed", type=int, default=8, help="the report data's shape")
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Load data is for development (DEBUG=1). Use --force to insist.")
        try:
            self._seed(options)
        except RuntimeError as problem:  # no programme yet
            raise CommandError(str(problem)) from problem

    def _seed(self, options: dict[str, Any]) -> None:
        if options["participants"]:
            created, answers = seed_participants(options["participants"])
            self.stdout.write(f"participants: {created} created, {answers} answers each")
        if options["pairs"]:
            pairs = seed_pairs(options["pairs"], options["tag"])
            self.stdout.write(f"pairs: {len(pairs)} created")
        if options["report_enrollments"]:
            size = ReportSize(
                enrollments=options["report_enrollments"],
                checkins=20 * options["report_enrollments"],
                messages=10 * options["report_enrollments"],
                responses=2 * options["report_enrollments"],
                referrals_not_enrolled=options["report_enrollments"] * 3 // 10,
            )
            counts = seed_report_data(random.Random(options["seed"]), size)
            self.stdout.write(", ".join(f"{n} {what}" for what, n in counts.items()))
