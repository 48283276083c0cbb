"""What `make run` seeds: the commands in the Makefile's order, twice (a second `make run`
keeps the data and doubles nothing), and the demo README promises: every account it lists
logs in with the published password and the demo authenticator, and each role finds its demo
work waiting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Model
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from intake.models import Referral
from messaging.models import Message
from modules.models import Enrollment, EnrollmentStatus
from partner.models import Conversation, PartnerCase, RiskAssessment

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parent.parent


def _seed_commands() -> list[str]:
    """The manage.py commands `make run` runs before it serves, in its order."""
    makefile = (REPO / "Makefile").read_text()
    recipe = makefile.split("\nrun:", 2)[2].split("\n\n", 1)[0]
    return re.findall(r"^\t\$\(MANAGE\) (seed_\w+)$", recipe, re.MULTILINE)


def _counts() -> dict[str, int]:
    kinds: list[type[Model]] = [
        User,
        TOTPDevice,
        Enrollment,
        Message,
        Referral,
        PartnerCase,
        Conversation,
        RiskAssessment,
    ]
    return {kind.__name__: kind.objects.count() for kind in kinds}


def _readme_accounts() -> dict[str, tuple[str, str]]:
    """The demo accounts the README's table lists: email to (organisation, role)."""
    accounts = {}
    for organisation, role, cell in re.findall(
        r"^\| ([^|]+?) \| ([^|]+?) \| ([^|]+@demo\.omtag\.se[^|]*) \|$",
        (REPO / "README.md").read_text(),
        re.MULTILINE,
    ):
        for email in re.findall(r"[\w.+-]+@demo\.omtag\.se", cell):
            accounts[email] = (organisation, role)
    return accounts


def test_make_run_seeds_everything_once_and_a_second_run_doubles_nothing(settings):
    settings.DEBUG = True  # as `make run` has it; the demo commands refuse without
    commands = _seed_commands()
    assert commands[:2] == ["seed_programme", "seed_measure_schedule"]
    assert "seed_demo_partner" in commands and len(commands) >= 7
    for name in commands:
        call_command(name)
    first = _counts()
    for name in commands:
        call_command(name)
    assert _counts() == first
    assert first["Message"] >= 4 and first["Referral"] == 3
    assert first["PartnerCase"] == 1 and first["RiskAssessment"] == 1


def test_every_account_in_the_readme_logs_in_with_the_published_factors(settings, client):
    settings.DEBUG = True
    for name in _seed_commands():
        call_command(name)
    readme = (REPO / "README.md").read_text()
    password = re.search(r"share the password `([^`]+)`", readme)
    assert password is not None
    accounts = _readme_accounts()
    assert len(accounts) == 14
    for email in accounts:
        user = User.objects.get(email=email)
        assert user.is_active and user.check_password(password.group(1)), email
        device = TOTPDevice.objects.get(user=user, confirmed=True)
        # The code `make code EMAIL=…` prints is the one the second-factor step takes.
        client.post("/account/login/", {"login": email, "password": password.group(1)})
        # Logged in with the password only: every page asks for the second factor first.
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/account/2fa/")
        code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
        response = client.post(response["Location"], {"code": code})
        assert response.status_code == 302, email
        assert not response["Location"].startswith("/account/"), (email, response["Location"])
        client.logout()


def test_each_role_finds_its_demo_work(settings):
    settings.DEBUG = True
    for name in _seed_commands():
        call_command(name)
    alex = User.objects.get(email="participant@demo.omtag.se")
    enrollment = Enrollment.objects.get(participant=alex)
    assert enrollment.status == EnrollmentStatus.ACTIVE
    assert enrollment.therapist is not None
    assert enrollment.therapist.email == "therapist@demo.omtag.se"
    assert Message.objects.filter(thread__enrollment=enrollment).exists()
    case = PartnerCase.objects.get()
    assert case.enrollment == enrollment
    worker = User.objects.get(email="partner-worker@demo.omtag.se")
    assert worker.has_role(Role.PARTNER_WORKER)
    # The demo reads as the interface does: in Swedish.
    note = Conversation.objects.get(case=case).notes
    assert "samtal" in note.lower() and "call" not in note.lower()
    # A video meeting whose room is open now, so the call can be tried at once; a second
    # `make run` does not book another while it is still to come.
    from meetings.models import Kind, Meeting
    from meetings.video import meeting_room_open

    videos = Meeting.objects.filter(enrollment=enrollment, kind=Kind.VIDEO)
    assert [meeting_room_open(m) for m in videos] == [True]
    call_command("seed_demo_meetings")
    assert videos.count() == 1


def test_the_demo_runs_two_organisations_under_their_laws_and_the_readme_says_who_is_where(
    settings,
):
    from organisations.models import Organisation, Regime, Unit

    settings.DEBUG = True
    for name in _seed_commands():
        call_command(name)
    for name in _seed_commands():
        call_command(name)
    assert Organisation.objects.count() == 2 and Unit.objects.count() == 2
    regimes = dict(Organisation.objects.values_list("name", "regime"))
    assert regimes == {
        "Region Söderland": Regime.HEALTH_CARE,
        "Norrby kommun": Regime.SOCIAL_SERVICES,
    }
    for organisation in Organisation.objects.all():
        assert organisation.help_unit is not None
        assert organisation.help_unit.organisation_id == organisation.pk
    names = dict(Organisation.objects.values_list("pk", "name"))
    for email, (where, _role) in _readme_accounts().items():
        user = User.objects.get(email=email)
        held = {names[g.organisation_id] for g in user.role_grants.all() if g.organisation_id}
        expected = {
            "both": set(names.values()),
            "none (the platform)": set(),
        }.get(where, {where})
        assert held == expected, email
    platform = User.objects.get(email="platform@demo.omtag.se")
    assert platform.roles == {Role.PLATFORM_ADMIN}
    # The treatment and the referrals are split across the two.
    in_norrby = Enrollment.objects.get(participant__email="participant2@demo.omtag.se")
    assert in_norrby.unit.organisation.name == "Norrby kommun"
    assert in_norrby.therapist is not None
    assert in_norrby.therapist.email == "therapist2@demo.omtag.se"
    queues = sorted(Referral.objects.values_list("unit__organisation__name", flat=True))
    assert queues == ["Norrby kommun", "Region Söderland", "Region Söderland"]
    assert Referral.objects.get(unit__organisation__name="Norrby kommun").name == "Micke"
