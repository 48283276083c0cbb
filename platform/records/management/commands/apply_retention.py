"""Apply the retention rules (records.retention), organisation by organisation, each by the
law it works under: anonymise ended treatments (case notes included), closed partner cases,
their accounts and old referrals whose period is over; mark for the archive what the
research exception keeps; list the social-services records that wait for a day of birth.

An organisation whose setting the law does not allow is refused and left alone: the others
are done, the refusal is written to stderr and the command ends with an error, so a nightly
job's failure alert fires. Safe to run every night: what is done is remembered
(records.Anonymisation), so a second run in a row finds nothing to do and writes nothing.
The access log is never removed (it is append-only).

    manage.py apply_retention            # do it
    manage.py apply_retention --dry-run  # print what it would do, change nothing
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from records import retention
from records.services import OrganisationPlan, RetentionPlan, retention_apply, retention_plan


class Command(BaseCommand):
    help = "Anonymise ended records whose retention period is over, per organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would be anonymised; change nothing.",
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        # The operator's report is in English throughout, regime names included.
        with translation.override("en"):
            self._run(dry_run=dry_run)

    def _run(self, *, dry_run: bool) -> None:
        try:
            plan = retention_plan() if dry_run else retention_apply()
        except ImproperlyConfigured as problem:
            raise CommandError(str(problem)) from None
        self._print(plan, dry_run=dry_run)
        if plan.refused:
            raise CommandError(
                f"Retention refused for {len(plan.refused)} organisation(s), the others were "
                "done: " + " | ".join(plan.refused)
            )

    def _print_organisation(self, org: OrganisationPlan, *, verb: str, keep: str) -> None:
        out = self.stdout.write
        name = org.organisation.name
        if org.refused:
            self.stderr.write(f"Refused, nothing done: {org.refused}")
            return
        assert org.before is not None
        out(
            f"{name} ({org.organisation.get_regime_display()}): records whose last entry "
            f"was before {org.before:%Y-%m-%d} ({org.years} years)."
        )
        for e in org.enrollments:
            out(f"{verb} treatment {e.public_id} (last entry {e.last_entry:%Y-%m-%d})")  # type: ignore[attr-defined]
        for part, item in org.parts:
            out(f"{verb} {part.label} {item.public_id} (last entry {item.last_entry:%Y-%m-%d})")
        for e in org.archive:
            out(f"{keep} treatment {e.public_id}: kept for research, for the archive")
        for part, item in org.parts_archive:
            out(f"{keep} {part.label} {item.public_id}: kept for research, for the archive")
        for e in org.needs_birth_day:
            out(
                f"Needs the day of birth: treatment {e.public_id} is due for clearing but is "
                "kept until an admin enters the participant's day of birth"
            )
        for part, item in org.parts_needs_birth_day:
            out(
                f"Needs the day of birth: {part.label} {item.public_id} is due for clearing "
                "but Omtag holds no day of birth for it; kept, decide by hand"
            )
        if org.referrals_kept:
            out(
                f"Kept: {org.referrals_kept} referrals without a treatment (no day of birth "
                "is held for them; decide by hand)"
            )

    def _print(self, plan: RetentionPlan, *, dry_run: bool) -> None:
        verb = "Would anonymise" if dry_run else "Anonymised"
        keep = "Would mark" if dry_run else "Marked"
        out = self.stdout.write
        out(
            f"Retention at {plan.now:%Y-%m-%d %H:%M}; referrals without enrollment decided "
            f"before {plan.referral_before:%Y-%m-%d} lose their contact details "
            f"({retention.referral_unenrolled_years()} years)."
        )
        for org in plan.organisations:
            self._print_organisation(org, verb=verb, keep=keep)
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
            f"{len(plan.parts)} other parts (partner cases), "
            f"{len(plan.referral_contacts)} referrals' contact details, "
            f"{len(plan.referral_records)} referrals' screenings. "
            f"{keep} for the archive: {len(plan.archive) + len(plan.parts_archive)}. "
            f"Needs the day of birth: {len(plan.needs_birth_day)}."
        )
        out(
            f"Access log: {plan.access_log_kept} events older than "
            f"{retention.access_log_years()} years, kept (the log is append-only; "
            "nothing here removes it)."
        )
