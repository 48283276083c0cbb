"""`manage.py seed_load`, the benchmarks' data: what it seeds is what the benchmarks count
on (verified accounts with a confirmed TOTP device, started enrollments, answers, threads,
an organisation for the report)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from measures.models import MeasureResponse
from messaging.models import Message, Thread
from modules.models import Answer, CheckIn, Enrollment, EnrollmentStatus
from reports.load import ORG_LEAD_EMAIL, THERAPIST_EMAIL
from tests.helpers import make_programme

pytestmark = pytest.mark.django_db


def seed_load(*args: str) -> str:
    out = StringIO()
    call_command("seed_load", *args, "--force", stdout=out)
    return out.getvalue()


def test_participants_and_pairs_are_verified_enrolled_and_answered():
    make_programme(modules=2, answers_per_module=7)
    out = seed_load("--participants", "3", "--pairs", "2", "--tag", "t")
    assert "participants: 3 created, 7 answers each" in out
    assert "pairs: 2 created" in out

    participants = User.objects.filter(role_grants__role=Role.PARTICIPANT)
    therapists = User.objects.filter(role_grants__role=Role.THERAPIST)
    assert participants.count() == 5 and therapists.count() == 3
    for user in User.objects.all():
        assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
        assert user.check_password("bench-password-not-secret-0123")
    enrollments = Enrollment.objects.filter(participant__in=participants)
    assert enrollments.count() == 5
    assert all(e.status == EnrollmentStatus.ACTIVE and e.started_at for e in enrollments)
    assert Thread.objects.count() == 5
    load_therapist = User.objects.get(email=THERAPIST_EMAIL)
    caseload = Enrollment.objects.filter(therapist=load_therapist)
    assert caseload.count() == 3
    for enrollment in caseload:
        assert Answer.objects.filter(enrollment=enrollment).count() == 7
    pair_therapists = {e.therapist_id for e in enrollments.exclude(therapist=load_therapist)}
    assert len(pair_therapists) == 2  # a therapist each

    # "At least N participants": a second run makes none.
    assert "participants: 0 created" in seed_load("--participants", "3")
    assert participants.count() == 5


def test_an_organisation_for_the_report():
    make_programme(modules=3, answers_per_module=1)
    out = seed_load("--report-enrollments", "20")
    assert "20 enrollments" in out
    assert Enrollment.objects.count() == 20
    assert Message.objects.count() == 200  # ten a thread
    assert CheckIn.objects.count() == 400  # twenty an enrollment
    assert 0 < MeasureResponse.objects.count() <= 40
    lead = User.objects.get(email=ORG_LEAD_EMAIL)
    assert lead.has_role(Role.ORG_LEAD)
    assert TOTPDevice.objects.filter(user=lead, confirmed=True).exists()


def test_refuses_without_debug_or_a_programme(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_load", "--participants", "1", stdout=StringIO())
    with pytest.raises(CommandError, match="seed_programme"):
        seed_load("--participants", "1")


def test_teams_are_caseloads_of_their_own_therapist():
    from reports.load import seed_teams

    make_programme(modules=2, answers_per_module=3)
    teams = seed_teams(2, 3, "t")
    assert [len(team.participants) for team in teams] == [3, 3]
    for team in teams:
        assert team.therapist.has_role(Role.THERAPIST)
        enrollments = Enrollment.objects.filter(participant__in=team.participants)
        assert {e.therapist_id for e in enrollments} == {team.therapist.pk}
        assert all(e.status == EnrollmentStatus.ACTIVE for e in enrollments)
        assert Thread.objects.filter(enrollment__in=enrollments).count() == 3
        for user in [team.therapist, *team.participants]:
            assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
        for enrollment in enrollments:
            assert Answer.objects.filter(enrollment=enrollment).count() == 3
