"""Apply the retention rules (records.retention): anonymise ended treatments, their accounts
and old referrals whose retention period is over. Safe to run every night: what is done is
remembered (records.Anonymisation), so a second run in a row finds nothing to do and writes
nothing. The access log is never removed (it is append-only).

    manage.py apply_retention            # do it
    manage.py apply_retention --dry-run  # print what it would do, change nothing
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from records import retention
from records.services import RetentionPlan, retention_apply, retention_plan


class Command(BaseCommand):
    help = "Anonymise ended treatments and old referrals whose retention period is over."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would be anonymised; change nothing.",
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        try:
            plan = retention_plan() if dry_run else retention_apply()
        except ImproperlyConfigured as problem:
            raise CommandError(str(problem)) from None
        self._print(plan, dry_run=dry_run)

    def _print(self, plan: RetentionPlan, *, dry_run: bool) -> None:
        verb = "Would anonymise" if dry_run else "Anonymised"
        out = self.stdout.write
        out(
            f"Retention at {plan.now:%Y-%m-%d %H:%M}: treatments ended before "
            f"{plan.closed_before:%Y-%m-%d} ({retention.closed_years()} years), referrals "
            f"without enrollment decided before {plan.referral_before:%Y-%m-%d} "
            f"({retention.referral_unenrolled_years()} years)."
        )
        for e in plan.enrollments:
            out(f"{verb} treatment {e.public_id} ({e.status} {e.status_changed_at:%Y-%m-%d})")
        for u in plan.accounts:
            out(f"{verb} account {u.public_id}")
        for r in plan.referral_contacts:
            out(f"{verb} the contact details of referral {r.public_id}")
        for r in plan.referral_records:
            out(f"{verb} the screening of referral {r.public_id}")
        for problem in plan.skipped:
            self.stderr.write(f"Skipped (retried next run): {problem}")
        out(
            f"{verb}: {len(plan.enrollments)} treatments, {len(plan.accounts)} accounts, "
            f"{len(plan.referral_contacts)} referrals' contact details, "
            f"{len(plan.referral_records)} referrals' screenings."
        )
        out(
            f"Access log: {plan.access_log_kept} events older than "
            f"{retention.access_log_years()} years, kept (the log is append-only; "
            "nothing here removes it)."
        )
