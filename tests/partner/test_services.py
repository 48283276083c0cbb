"""The worker's writes: consents, the case, conversations, assessments, sharing and the
safety plan. Each rule is tried with the input that breaks it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from modules.models import RiskSignal
from partner import services
from partner.models import CaseStatus, ConsentKind, Conversation, PartnerCase, RiskAssessment
from tests.helpers import consent_both, make_user

TODAY = date.today()


def _assess(worker, case, level="high", answers=None):
    return services.assessment_record(
        actor=worker,
        case=case,
        assessed_on=TODAY,
        answers=answers or {"x_strangulation": "yes", "d_physical": "weekly"},
        description="What she told me",
        level=level,
    )


def _talk(worker, case, **extra):
    return services.conversation_add(
        actor=worker,
        case=case,
        held_on=TODAY,
        form="phone",
        minutes=30,
        notes="First call",
        **extra,
    )


def test_a_case_needs_the_consent_to_contact(enrollment, partner_worker):
    with pytest.raises(ValidationError, match="not consented"):
        services.case_open(actor=partner_worker, enrollment=enrollment, contact={"name": "Sam"})
    services.consent_record(
        actor=partner_worker, enrollment=enrollment, kind=ConsentKind.INFORM, given_on=TODAY
    )
    case = services.case_open(actor=partner_worker, enrollment=enrollment, contact={"name": "Sam"})
    assert case.worker == partner_worker
    assert case.status == CaseStatus.OFFERED


def test_only_workers_open_cases(enrollment, partner_worker, therapist, admin_user):
    consent_both(enrollment, partner_worker)
    for someone in (therapist, admin_user, enrollment.participant):
        with pytest.raises(PermissionDenied):
            services.case_open(actor=someone, enrollment=enrollment, contact={"name": "Sam"})
    assert not PartnerCase.objects.exists()


def test_one_open_case_per_treatment_and_a_name_is_required(case, enrollment, partner_worker):
    with pytest.raises(ValidationError, match="already has an open case"):
        services.case_open(actor=partner_worker, enrollment=enrollment, contact={"name": "Kim"})
    services.case_set_status(actor=partner_worker, case=case, status=CaseStatus.CLOSED)
    with pytest.raises(ValidationError, match="name or an alias"):
        services.case_open(actor=partner_worker, enrollment=enrollment, contact={"name": "  "})
    assert services.case_open(actor=partner_worker, enrollment=enrollment, contact={"name": "Kim"})


def test_consent_dates_and_doubles(enrollment, partner_worker):
    with pytest.raises(ValidationError, match="future"):
        services.consent_record(
            actor=partner_worker,
            enrollment=enrollment,
            kind=ConsentKind.INFORM,
            given_on=TODAY + timedelta(days=1),
        )
    consent = services.consent_record(
        actor=partner_worker, enrollment=enrollment, kind=ConsentKind.INFORM, given_on=TODAY
    )
    with pytest.raises(ValidationError, match="already recorded"):
        services.consent_record(
            actor=partner_worker, enrollment=enrollment, kind=ConsentKind.INFORM, given_on=TODAY
        )
    with pytest.raises(ValidationError, match="before it was given"):
        services.consent_withdraw(
            actor=partner_worker, consent=consent, withdrawn_on=TODAY - timedelta(days=1)
        )
    services.consent_withdraw(actor=partner_worker, consent=consent, withdrawn_on=TODAY)
    with pytest.raises(ValidationError, match="already withdrawn"):
        services.consent_withdraw(actor=partner_worker, consent=consent, withdrawn_on=TODAY)
    # Given again after a withdrawal: a new consent, the withdrawn one kept.
    services.consent_record(
        actor=partner_worker, enrollment=enrollment, kind=ConsentKind.INFORM, given_on=TODAY
    )
    assert services.standing_consent(enrollment, ConsentKind.INFORM) is not None


def test_a_withdrawal_stops_contact(case, enrollment, partner_worker):
    _talk(partner_worker, case)
    consent = services.standing_consent(enrollment, ConsentKind.INFORM)
    services.consent_withdraw(actor=partner_worker, consent=consent, withdrawn_on=TODAY)
    with pytest.raises(ValidationError, match="Contact must stop"):
        _talk(partner_worker, case)
    with pytest.raises(ValidationError, match="Contact must stop"):
        _assess(partner_worker, case)
    assert Conversation.objects.count() == 1


def test_conversations_are_append_only_and_validated(case, partner_worker):
    talk = _talk(partner_worker, case, pass_on_requested=True, pass_on_what="Call me Mondays")
    with pytest.raises(ValueError):
        talk.save()
    with pytest.raises(ValidationError, match="future"):
        services.conversation_add(
            actor=partner_worker,
            case=case,
            held_on=TODAY + timedelta(days=2),
            form="phone",
            minutes=10,
            notes="x",
        )
    with pytest.raises(ValidationError, match="few words"):
        services.conversation_add(
            actor=partner_worker, case=case, held_on=TODAY, form="phone", minutes=10, notes=" "
        )


def test_only_the_assigned_worker_writes_to_a_case(case, partner_worker, db):
    other = make_user("worker2@example.org", ["partner_worker"], name="Per")
    with pytest.raises(PermissionDenied):
        _talk(other, case)
    with pytest.raises(PermissionDenied):
        services.case_update_contact(actor=other, case=case, contact={"name": "X"})
    with pytest.raises(PermissionDenied):
        services.safety_plan_save(actor=other, case=case, plan={"safe_places": "x"})


def test_an_answer_outside_the_choices_is_refused(case, partner_worker):
    with pytest.raises(ValidationError, match="not one of the choices"):
        _assess(partner_worker, case, answers={"x_weapon": "maybe"})
    with pytest.raises(ValidationError, match="risk level"):
        _assess(partner_worker, case, level="extreme")
    assert not RiskAssessment.objects.exists()
    saved = _assess(partner_worker, case, answers={"x_weapon": "yes", "no_such_item": "yes"})
    assert saved.answers == {"x_weapon": "yes"}


def test_sharing_gives_the_therapist_a_level_and_a_date_only(case, enrollment, partner_worker):
    assessment = _assess(partner_worker, case, level="high")
    signal = services.assessment_share(actor=partner_worker, assessment=assessment)
    assert signal.enrollment == enrollment
    assert signal.source == RiskSignal.Source.PARTNER_CONTACT
    assert signal.level == "high"
    assert signal.reasons == []
    assert signal.checkin is None
    with pytest.raises(ValidationError, match="already been shared"):
        services.assessment_share(actor=partner_worker, assessment=assessment)
    assert RiskSignal.objects.count() == 1


def test_a_low_level_can_be_shared_too(case, partner_worker):
    signal = services.assessment_share(
        actor=partner_worker, assessment=_assess(partner_worker, case, level="low")
    )
    assert signal.get_level_display() == "Low"


def test_sharing_needs_the_second_consent_and_the_latest_assessment(
    case, enrollment, partner_worker
):
    older = _assess(partner_worker, case, level="medium")
    newer = _assess(partner_worker, case, level="acute")
    with pytest.raises(ValidationError, match="latest"):
        services.assessment_share(actor=partner_worker, assessment=older)
    consent = services.standing_consent(enrollment, ConsentKind.SHARE)
    services.consent_withdraw(actor=partner_worker, consent=consent, withdrawn_on=TODAY)
    with pytest.raises(ValidationError, match="passed on"):
        services.assessment_share(actor=partner_worker, assessment=newer)
    assert not RiskSignal.objects.exists()


def test_status_changes_follow_the_rules(case, partner_worker):
    with pytest.raises(ValidationError):
        services.case_set_status(actor=partner_worker, case=case, status="nonsense")
    services.case_set_status(actor=partner_worker, case=case, status=CaseStatus.ACTIVE)
    with pytest.raises(ValidationError):
        services.case_set_status(actor=partner_worker, case=case, status=CaseStatus.OFFERED)
    services.case_set_status(actor=partner_worker, case=case, status=CaseStatus.CLOSED)
    with pytest.raises(ValidationError, match="not open"):
        _talk(partner_worker, case)


def test_admins_assign_workers(case, admin_user, partner_worker, therapist, db):
    other = make_user("worker2@example.org", ["partner_worker"], name="Per")
    with pytest.raises(PermissionDenied):
        services.case_assign(actor=partner_worker, case=case, worker=other)
    with pytest.raises(ValidationError):
        services.case_assign(actor=admin_user, case=case, worker=therapist)
    services.case_assign(actor=admin_user, case=case, worker=other)
    case.refresh_from_db()
    assert case.worker == other
    with pytest.raises(PermissionDenied):
        _talk(partner_worker, case)


def test_the_log_names_the_case_never_the_participant_or_the_content(case, partner_worker):
    _talk(partner_worker, case)
    services.assessment_share(actor=partner_worker, assessment=_assess(partner_worker, case))
    services.safety_plan_save(actor=partner_worker, case=case, plan={"safe_places": "Sister's"})
    events = AuditEvent.objects.filter(action__startswith="partner_")
    assert {e.action for e in events} >= {
        "partner_consent_recorded",
        "partner_case_opened",
        "partner_conversation_logged",
        "partner_assessment_recorded",
        "partner_risk_shared",
        "partner_safety_plan_saved",
    }
    for event in events:
        assert event.subject is None
        assert event.actor == partner_worker
        for secret in ("Sam", "070", "First call", "Sister", "What she told me"):
            assert secret not in event.detail
