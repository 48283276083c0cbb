"""The intake's writes: agency referrals, first contact, screening, and each decision."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Invitation
from audit.models import AuditEvent
from intake import services
from intake.models import Referral, ReferralEventKind, ReferralStatus, Screening
from intake.screening import clean_answers, concerns
from intake.selectors import days_waited, open_queue, waiting_count
from modules.models import Enrollment, EnrollmentStatus
from tests.helpers import SCREENING, make_referral, referral_person

pytestmark = pytest.mark.django_db


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def enter(actor, **overrides):
    return services.referral_enter(
        **{
            "actor": actor,
            "source": "social_services",
            "received_on": date.today() - timedelta(days=3),
            "agency": "Socialtjänsten",
            "agency_contact": "Anna, 036-10 20 30",
            "consent_to_contact": True,
            "person": referral_person(may_leave_message="unknown", safe_times=""),
            **overrides,
        }
    )


@pytest.mark.parametrize("who", ["therapist", "admin"])
def test_therapists_and_admins_enter_agency_referrals(who, cast):
    referral = enter(cast[who])
    assert referral.entered_by == cast[who]
    assert referral.source == "social_services" and referral.status == ReferralStatus.NEW
    assert timezone.localdate(referral.received_at) == date.today() - timedelta(days=3)
    assert days_waited(referral) == 3
    assert referral.events.get().kind == ReferralEventKind.ENTERED
    assert AuditEvent.Action.REFERRAL_ENTERED in actions()


def test_today_is_received_now():
    # Any therapist will do; the cast is not needed for this one.
    from tests.helpers import make_user

    referral = enter(make_user("t@example.org", ["therapist"]), received_on=date.today())
    assert abs((timezone.now() - referral.received_at).total_seconds()) < 5


@pytest.mark.parametrize("who", ["participant", "editor", "partner_worker"])
def test_other_roles_cannot_enter_referrals(who, cast):
    with pytest.raises(PermissionDenied):
        enter(cast[who])
    assert Referral.objects.count() == 0


@pytest.mark.parametrize(
    "bad",
    [
        {"source": "self"},
        {"source": "martians"},
        {"agency": " "},
        {"agency_contact": ""},
        {"received_on": date.today() + timedelta(days=1)},
        {"person": referral_person(phone="abc")},
        {"person": referral_person(name="")},
        {"person": referral_person(may_leave_message="perhaps")},
    ],
)
def test_agency_referral_is_checked_again_by_the_service(bad, therapist):
    with pytest.raises(ValidationError):
        enter(therapist, **bad)
    assert Referral.objects.count() == 0


def test_the_queue_is_open_referrals_oldest_first_with_days_waited(therapist):
    new = make_referral(days_ago=1, name="New")
    old = make_referral(days_ago=9, name="Old")
    closed = make_referral(days_ago=20, name="Closed")
    services.referral_close(actor=therapist, referral=closed, reason="Could not reach them")
    rows = open_queue(therapist)
    assert [(r.referral.name, r.days) for r in rows] == [("Old", 9), ("New", 1)]
    assert waiting_count(therapist) == 2
    services.referral_record_contact(actor=therapist, referral=old)
    assert waiting_count(therapist) == 1  # contacted: no longer waiting for a first call
    assert [r.referral.pk for r in open_queue(therapist)] == [old.pk, new.pk]


def test_the_queue_costs_the_same_queries_for_many_referrals(therapist):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    open_queue(therapist)  # the user's roles are read once and kept on the user

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            open_queue(therapist)
        return len(queries)

    for days in range(3):
        make_referral(days_ago=days)
    few = cost()
    for days in range(20):
        make_referral(days_ago=days)
    assert cost() == few == 1


def test_first_contact_sets_the_time_the_handler_and_screening_status(referral, therapist):
    services.referral_record_contact(actor=therapist, referral=referral)
    referral.refresh_from_db()
    assert referral.first_contact_at is not None
    assert referral.assigned_to == therapist
    assert referral.status == ReferralStatus.SCREENING
    with pytest.raises(ValidationError):
        services.referral_record_contact(actor=therapist, referral=referral)
    assert AuditEvent.Action.REFERRAL_CONTACTED in actions()


@pytest.mark.parametrize("who", ["admin", "participant", "editor", "partner_worker"])
def test_only_therapists_handle_referrals(who, cast, referral):
    actor = cast[who]
    for call in (
        lambda: services.referral_record_contact(actor=actor, referral=referral),
        lambda: services.screening_save(actor=actor, referral=referral, answers=SCREENING),
        lambda: services.referral_close(actor=actor, referral=referral, reason="x"),
        lambda: services.referral_refer_elsewhere(
            actor=actor, referral=referral, referred_to="x", reason="x"
        ),
        lambda: services.referral_enrol(
            actor=actor, referral=referral, email="p@example.org", display_name="P"
        ),
    ):
        with pytest.raises(PermissionDenied):
            call()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NEW


def test_the_screening_is_saved_updated_and_read_as_concerns(referral, therapist):
    services.screening_save(actor=therapist, referral=referral, answers=SCREENING, notes="ok")
    screening = Screening.objects.get(referral=referral)
    assert screening.answers["motivation"] == 7
    assert screening.answers["violence_kinds"] == ["psychological", "controlling"]
    assert concerns(screening.answers) == []
    worse = {**SCREENING, "motivation": 2, "housing": "no", "other_help": ["suicidality"]}
    services.screening_save(actor=therapist, referral=referral, answers=worse)
    screening.refresh_from_db()
    assert [str(c) for c in concerns(screening.answers)] == [
        "Low motivation (3 or less of 10)",
        "No stable place to live",
        "Acute suicidality",
    ]
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SCREENING and referral.assigned_to == therapist
    details = list(
        AuditEvent.objects.filter(action=AuditEvent.Action.REFERRAL_SCREENED)
        .order_by("id")
        .values_list("detail", flat=True)
    )
    assert details == ["saved", "updated"]


@pytest.mark.parametrize(
    "bad",
    [
        {"motivation": 11},
        {"motivation": None},
        {"housing": "maybe"},
        {"psychiatric": ""},
        {"violence_kinds": ["physical", "stalking"]},
        {"other_help": ["nothing-like-this"]},
    ],
)
def test_screening_answers_are_checked(bad):
    with pytest.raises(ValidationError):
        clean_answers({**SCREENING, **bad})


def test_enrol_invites_creates_the_enrollment_and_links_it_in_one_step(
    referral, therapist, programme
):
    with pytest.raises(ValidationError, match="screening"):
        services.referral_enrol(
            actor=therapist, referral=referral, email="kim@example.org", display_name="Kim"
        )
    services.screening_save(actor=therapist, referral=referral, answers=SCREENING)
    with pytest.raises(ValidationError):
        services.referral_enrol(
            actor=therapist, referral=referral, email="kim@example.org", display_name=" "
        )
    mail.outbox.clear()
    with django_capture_commit():
        services.referral_enrol(
            actor=therapist, referral=referral, email="Kim@Example.org", display_name="Kim"
        )
    referral.refresh_from_db()
    enrollment = Enrollment.objects.get()
    assert referral.enrollment == enrollment
    assert referral.status == ReferralStatus.ENROLLED
    assert referral.decided_by == therapist and referral.decided_at is not None
    assert enrollment.therapist == therapist and enrollment.status == EnrollmentStatus.INVITED
    invitation = Invitation.objects.get()
    assert enrollment.invitation == invitation and invitation.email == "kim@example.org"
    assert [m.to for m in mail.outbox] == [["kim@example.org"]]
    assert AuditEvent.Action.REFERRAL_ENROLLED in actions()
    # Final: no second decision.
    with pytest.raises(ValidationError):
        services.referral_close(actor=therapist, referral=referral, reason="x")
    with pytest.raises(ValidationError):
        services.referral_reopen(actor=therapist, referral=referral, reason="x")


def django_capture_commit():
    """Run on_commit callbacks (the invitation email) inside a test transaction."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


def test_an_address_with_an_account_undoes_the_whole_enrolment(
    referral, therapist, participant, programme
):
    services.screening_save(actor=therapist, referral=referral, answers=SCREENING)
    with pytest.raises(ValidationError):
        services.referral_enrol(
            actor=therapist, referral=referral, email=participant.email, display_name="Kim"
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SCREENING and referral.enrollment is None
    assert Enrollment.objects.count() == 0 and Invitation.objects.count() == 0


def test_refer_elsewhere_needs_where_and_why(referral, therapist):
    for where, why in (("", "Needs a programme in Arabic"), ("Manscentrum", " ")):
        with pytest.raises(ValidationError):
            services.referral_refer_elsewhere(
                actor=therapist, referral=referral, referred_to=where, reason=why
            )
    services.referral_refer_elsewhere(
        actor=therapist, referral=referral, referred_to="Manscentrum", reason="Language"
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.REFERRED_ELSEWHERE
    assert referral.referred_to == "Manscentrum" and referral.decision_reason == "Language"
    with pytest.raises(ValidationError):
        services.referral_reopen(actor=therapist, referral=referral, reason="x")
    assert AuditEvent.Action.REFERRAL_REFERRED_ELSEWHERE in actions()


def test_close_needs_a_reason_and_a_closed_referral_can_be_reopened(referral, therapist):
    with pytest.raises(ValidationError):
        services.referral_close(actor=therapist, referral=referral, reason="")
    services.referral_close(actor=therapist, referral=referral, reason="No answer, 3 tries")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED and referral.decided_at is not None
    with pytest.raises(ValidationError):
        services.referral_reopen(actor=therapist, referral=referral, reason="")
    services.referral_reopen(actor=therapist, referral=referral, reason="Called us back")
    referral.refresh_from_db()
    # Never reached: back to waiting, undecided again, the close reason kept in the events.
    assert referral.status == ReferralStatus.NEW
    assert referral.decided_at is None and referral.decision_reason == ""
    assert [(e.kind, e.text) for e in referral.events.all()] == [
        ("received", ""),
        ("closed", "No answer, 3 tries"),
        ("reopened", "Called us back"),
    ]
    assert {AuditEvent.Action.REFERRAL_CLOSED, AuditEvent.Action.REFERRAL_REOPENED} <= set(
        actions()
    )


def test_a_reached_referral_reopens_to_screening(referral, therapist):
    services.referral_record_contact(actor=therapist, referral=referral)
    services.referral_close(actor=therapist, referral=referral, reason="Wanted to think")
    services.referral_reopen(actor=therapist, referral=referral, reason="Ready now")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SCREENING


def test_the_access_log_holds_no_text_the_person_or_therapist_wrote(referral, therapist):
    services.screening_save(actor=therapist, referral=referral, answers=SCREENING, notes="secret")
    services.referral_close(actor=therapist, referral=referral, reason="private reason")
    for event in AuditEvent.objects.all():
        assert "secret" not in event.detail and "private" not in event.detail
        assert "Kim" not in event.detail
