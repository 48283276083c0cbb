"""The nightly retention run: a treatment ended longer ago than the retention period is
anonymised, a younger one is not; the figures the report counts survive; a second run in a
row changes nothing; --dry-run changes nothing; the access log is never removed."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.personal_data import ANONYMISED
from audit.models import AuditEvent
from intake.models import Referral, ReferralSource, ReferralStatus, Screening
from measures.models import MeasureResponse
from messaging.models import Message
from modules.models import Answer, CheckIn, Enrollment, ModuleProgress, RiskSignal
from organisations.selectors import first_unit
from records.models import Anonymisation
from tests.helpers import ALEX, PASSWORD, ROBIN, SECRETS, World, end_treatment, enroll
from therapist.models import CaseNote

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("apply_retention", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot() -> dict[str, Any]:
    """Every row the run may touch, field by field, and the whole access log."""

    def rows(model: Any, *fields: str) -> list[tuple[Any, ...]]:
        return list(model.objects.order_by("pk").values_list("pk", *fields))

    return {
        "users": rows(
            User, "email", "display_name", "password", "is_active", "locked_at", "session_epoch"
        ),
        "enrollments": rows(
            Enrollment, "status", "status_reason", "status_changed_at", "started_at", "created_at"
        ),
        "progress": rows(ModuleProgress, "state", "unlocked_at", "started_at", "completed_at"),
        "answers": rows(Answer, "block_id", "value", "version", "updated_at"),
        "checkins": rows(CheckIn, "answers", "submitted_at"),
        "messages": rows(Message, "seq", "side", "sender", "body", "created_at"),
        "measures": rows(MeasureResponse, "occasion", "answers", "score", "submitted_at"),
        "signals": rows(RiskSignal, "level", "reasons", "created_at", "acknowledgement"),
        "referrals": rows(
            Referral, "name", "phone", "situation", "status", "received_at", "decision_reason"
        ),
        "screenings": rows(Screening, "answers", "notes"),
        "notes": rows(CaseNote, "body"),
        "audit": rows(AuditEvent, "action", "actor", "subject", "detail", "created_at"),
        "anonymised": rows(Anonymisation, "kind", "object_pk", "basis", "done_at"),
        "emails": rows(EmailAddress, "email"),
        "devices": rows(TOTPDevice, "user"),
    }


def figures() -> dict[str, Any]:
    """The inputs of the organisation's report: statuses, dates, progress, the check-ins'
    figures, the measures' scores, the referrals' sources and dates, the risk levels."""

    def rows(model: Any, *fields: str) -> list[tuple[Any, ...]]:
        return list(model.objects.order_by("pk").values_list("pk", *fields))

    checkins = [
        (pk, {k: v for k, v in answers.items() if k != "free_text"}, at)
        for pk, answers, at in rows(CheckIn, "answers", "submitted_at")
    ]
    return {
        "enrollments": rows(
            Enrollment,
            "participant",
            "programme",
            "therapist",
            "status",
            "status_changed_at",
            "started_at",
            "created_at",
        ),
        "progress": rows(ModuleProgress, "module", "state", "started_at", "completed_at"),
        "answer_dates": rows(Answer, "module", "block_id", "updated_at"),
        "checkins": checkins,
        "measures": rows(
            MeasureResponse, "instrument", "occasion", "answers", "score", "submitted_at"
        ),
        "messages": rows(Message, "thread", "seq", "side", "created_at"),
        "referrals": rows(
            Referral, "source", "received_at", "status", "first_contact_at", "decided_at"
        ),
        "signals": rows(RiskSignal, "source", "level", "reasons", "created_at"),
    }


def test_an_old_ended_treatment_is_anonymised_a_younger_one_is_not(
    world: World, admin_user: User
) -> None:
    end_treatment(world.e_alex, admin_user, years_ago=11)
    end_treatment(world.e_robin, admin_user, years_ago=9, status="discontinued")
    audit_before = set(AuditEvent.objects.values_list("pk", flat=True))

    output = run()

    assert f"Anonymised treatment {world.e_alex.public_id}" in output
    assert str(world.e_robin.public_id) not in output
    alex = User.objects.get(pk=world.alex.pk)
    assert alex.email == f"anonymised-{alex.public_id.hex}@anonymised.invalid"
    assert alex.display_name.startswith("anon-") and alex.display_name != "Alex"
    assert not alex.is_active and alex.locked_at is not None
    assert not alex.has_usable_password()
    assert not TOTPDevice.objects.filter(user=alex).exists()
    assert not EmailAddress.objects.filter(user=alex).exists()

    # The person's own words are gone, everywhere.
    by_value = {a.block_id: a.value for a in Answer.objects.filter(enrollment=world.e_alex)}
    values = list(by_value.values())
    assert ANONYMISED in values  # the reflection
    assert [ANONYMISED, ANONYMISED] in values  # the worksheet
    assert ["Shouting", "Threats"] in values  # a checklist's choices are the editor's text
    assert 7 in values  # a scale step
    plan = next(v for v in values if isinstance(v, dict))
    assert plan == {
        "warning_signs": ANONYMISED,
        "where_i_go": "",
        "calm_down": "",
        "coming_back": "",
    }
    checkin = CheckIn.objects.get(enrollment=world.e_alex)
    assert checkin.answers["free_text"] == ANONYMISED and checkin.answers["closeness"] == 9
    assert set(
        Message.objects.filter(thread__enrollment=world.e_alex).values_list("body", flat=True)
    ) == {ANONYMISED}
    referral = Referral.objects.get(enrollment=world.e_alex)
    assert (referral.name, referral.phone, referral.situation) == (ANONYMISED, "", ANONYMISED)
    assert referral.decision_reason == ANONYMISED
    assert Screening.objects.get(referral=referral).notes == ANONYMISED
    signal = RiskSignal.objects.get(enrollment=world.e_alex, source="checkin")
    assert signal.acknowledgement == ANONYMISED
    assert Enrollment.objects.get(pk=world.e_alex.pk).status_reason == ANONYMISED
    dump = str(snapshot())
    for mark in ALEX.values():
        assert mark not in dump, mark
    assert world.alex.email not in str(snapshot()["users"])

    # The case notes go with the record as a whole, after its period (health care: ten
    # years after the last entry); the row, its author and date stay.
    note = CaseNote.objects.get(enrollment=world.e_alex)
    assert note.body == ANONYMISED and SECRETS["note"] not in dump
    assert note.author == world.therapist

    # The younger treatment and its participant are as they were.
    robin = User.objects.get(pk=world.robin.pk)
    assert (robin.email, robin.display_name, robin.is_active) == (
        "participant2@example.org",
        "Robin",
        True,
    )
    for mark in ROBIN.values():
        assert mark in dump, mark

    # The access log: nothing removed, and one event per anonymisation, by the run itself.
    audit_after = set(AuditEvent.objects.values_list("pk", flat=True))
    assert audit_before <= audit_after
    events = AuditEvent.objects.filter(action=AuditEvent.Action.RECORD_ANONYMISED)
    assert sorted((e.target_type, e.subject_id, e.actor_id, e.actor_label) for e in events) == [
        ("account", alex.pk, None, "retention"),
        ("enrollment", alex.pk, None, "retention"),
    ]
    # The account can no longer log in.
    from django.test import Client

    assert not Client().login(email="participant@example.org", password=PASSWORD)


def test_the_report_figures_survive(world: World, admin_user: User) -> None:
    end_treatment(world.e_alex, admin_user, years_ago=11)
    end_treatment(world.e_robin, admin_user, years_ago=12, status="discontinued")
    before = figures()
    run()
    assert Anonymisation.objects.filter(kind="enrollment").count() == 2
    assert figures() == before


def test_running_twice_gives_the_same_state(world: World, admin_user: User) -> None:
    end_treatment(world.e_alex, admin_user, years_ago=11)
    end_treatment(world.e_robin, admin_user, years_ago=9)
    run()
    after_first = snapshot()
    output = run()
    assert snapshot() == after_first
    assert "Anonymised: 0 treatments, 0 accounts" in output


def test_dry_run_changes_nothing(world: World, admin_user: User) -> None:
    end_treatment(world.e_alex, admin_user, years_ago=11)
    before = snapshot()
    output = run("--dry-run")
    assert snapshot() == before
    assert f"Would anonymise treatment {world.e_alex.public_id}" in output
    assert f"Would anonymise account {world.alex.public_id}" in output
    # ... and the real run then does what the dry run said.
    assert f"Anonymised account {world.alex.public_id}" in run()


def test_an_open_treatment_is_never_anonymised(world: World) -> None:
    Enrollment.objects.filter(pk=world.e_alex.pk).update(
        status_changed_at=timezone.now() - timedelta(days=365 * 20)
    )
    before = snapshot()
    run()
    assert snapshot() == before


def test_the_account_waits_for_its_last_treatment(
    world: World, admin_user: User, therapist: User
) -> None:
    end_treatment(world.e_alex, admin_user, years_ago=11)
    newer = enroll(world.alex, therapist, world.e_alex.programme)
    run()
    assert Anonymisation.objects.filter(kind="enrollment", object_pk=world.e_alex.pk).exists()
    alex = User.objects.get(pk=world.alex.pk)
    assert alex.email == "participant@example.org" and alex.is_active
    end_treatment(newer, admin_user, years_ago=10.5)
    output = run()
    assert f"Anonymised account {alex.public_id}" in output
    assert not User.objects.get(pk=alex.pk).is_active


def test_the_periods_come_from_settings(world: World, admin_user: User, settings: Any) -> None:
    end_treatment(world.e_alex, admin_user, years_ago=11)
    settings.RETENTION_CLOSED_YEARS = 12
    assert "Anonymised: 0 treatments" in run()
    settings.RETENTION_CLOSED_YEARS = 5  # shorter than the law allows
    with pytest.raises(CommandError, match="Omtag: a patient record is kept at least ten"):
        run()
    assert not Anonymisation.objects.exists()


def _unenrolled(years_ago: float, status: str = ReferralStatus.CLOSED, **extra: Any) -> Referral:
    at = timezone.now() - timedelta(days=round(365.25 * years_ago))
    referral = Referral.objects.create(
        source=ReferralSource.POLICE,
        unit=first_unit(),
        name="Kim Contact",
        phone="070-555 55 55",
        safe_times="Mornings",
        situation="KIM-SITUATION",
        agency="Polisen",
        agency_contact="Officer Jonsson",
        status=status,
        decision_reason="KIM-DECISION",
        received_at=at - timedelta(days=30),
        status_changed_at=at,
        decided_at=at,
        **extra,
    )
    return referral


def test_unenrolled_referrals_lose_contact_details_then_the_screening(
    db: None, therapist: User
) -> None:
    young = _unenrolled(1)
    old = _unenrolled(3, ReferralStatus.REFERRED_ELSEWHERE, referred_to="Familjecentralen")
    very_old = _unenrolled(11)
    Screening.objects.create(referral=very_old, notes="KIM-SCREENING", screened_by=therapist)
    waiting = _unenrolled(5, ReferralStatus.NEW)

    run()

    for referral in (young, waiting):
        fresh = Referral.objects.get(pk=referral.pk)
        assert (fresh.name, fresh.phone, fresh.situation) == (
            "Kim Contact",
            "070-555 55 55",
            "KIM-SITUATION",
        )
    fresh_old = Referral.objects.get(pk=old.pk)
    assert (fresh_old.name, fresh_old.phone, fresh_old.safe_times, fresh_old.situation) == (
        ANONYMISED,
        "",
        ANONYMISED,
        ANONYMISED,
    )
    assert fresh_old.agency_contact == ANONYMISED
    # What the report counts stays: source, agency, where to, status and dates.
    assert (fresh_old.source, fresh_old.agency, fresh_old.referred_to, fresh_old.status) == (
        "police",
        "Polisen",
        "Familjecentralen",
        "referred_elsewhere",
    )
    assert fresh_old.decided_at == old.decided_at
    # The screening and the decision's reason are the clinical record: kept ten years.
    assert fresh_old.decision_reason == "KIM-DECISION"
    fresh_very_old = Referral.objects.get(pk=very_old.pk)
    assert fresh_very_old.decision_reason == ANONYMISED
    assert Screening.objects.get(referral=very_old).notes == ANONYMISED
    events = AuditEvent.objects.filter(action=AuditEvent.Action.REFERRAL_ANONYMISED)
    assert sorted(e.target_id for e in events) == sorted(
        [str(old.public_id), str(very_old.public_id), str(very_old.public_id)]
    )
    before = snapshot()
    run()
    assert snapshot() == before


def test_the_access_log_is_never_removed(world: World, admin_user: User) -> None:
    from django.db import connection

    old = AuditEvent.objects.order_by("pk").first()
    assert old is not None
    # Older than the access-log retention (the model refuses updates, so move it in SQL).
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET created_at = %s WHERE id = %s",
            [timezone.now() - timedelta(days=365 * 12), old.pk],
        )
    end_treatment(world.e_alex, admin_user, years_ago=11)
    count = AuditEvent.objects.count()
    output = run()
    assert AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.count() == count + 2  # added to, never taken from
    assert "Access log: 1 events older than 10 years, kept" in output
