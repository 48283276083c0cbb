"""The platform administrator: makes organisations, their units and their first
administrators from /platform/, and reads nothing of any organisation's people."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Invitation, Role, User
from accounts.services import invitation_create
from audit.models import AuditEvent
from intake.models import Referral
from messaging.models import Thread
from modules.models import Enrollment, RiskSignal
from organisations.models import Organisation, Regime, Unit
from organisations.selectors import first_unit
from partner.models import PartnerCase, PartnerConsent, RiskAssessment
from tests.helpers import (
    TOTP_KEY,
    check_accessibility,
    make_user,
    sample_path,
    verified_client,
)

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Sommarstuga-vid-sjon-9"


@pytest.fixture
def platform_admin(db: None) -> User:
    return make_user("platform@example.org", [Role.PLATFORM_ADMIN], name="Paula")


def _link_path(body: str) -> str:
    line = next(line for line in body.splitlines() if "/account/invitation/" in line)
    return line[line.index("/account/invitation/") :].strip()


def _accept(path: str) -> User:
    """Accept an invitation in a fresh browser and enrol an authenticator: a verified user."""
    invitee = Client()
    response = invitee.post(path, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert response.status_code == 302
    accepted = Invitation.objects.filter(accepted_user__isnull=False).latest("accepted_at")
    person = accepted.accepted_user
    assert person is not None
    TOTPDevice.objects.create(user=person, name="app", key=TOTP_KEY, confirmed=True)
    return person


def test_platform_admin_lands_on_the_organisations_and_sees_counts_only(platform_admin):
    make_user("t@example.org", [Role.THERAPIST], name="Tove Terapeut")
    make_user("p@example.org", [Role.PARTICIPANT], name="Alex Deltagare")
    client = verified_client(platform_admin)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/platform/"
    page = client.get("/platform/").content.decode()
    assert first_unit().organisation.name in page
    # Counts, never people: one unit, one member of staff (the participant is not counted).
    row = re.search(r"<tr>\s*<td[^>]*><a[^>]*>Omtag</a></td>(.*?)</tr>", page, re.S)
    assert row is not None
    assert re.findall(r"<td[^>]*>(\d+)</td>", row.group(1)) == ["1", "1"]
    assert "Tove" not in page and "Alex" not in page and "t@example.org" not in page
    detail = client.get(f"/platform/{first_unit().organisation.public_id}/").content.decode()
    assert "Tove" not in detail and "Alex" not in detail and "t@example.org" not in detail


def test_journey_from_a_new_organisation_to_its_first_therapist(
    platform_admin, django_capture_on_commit_callbacks
):
    client = verified_client(platform_admin)
    response = client.post(
        "/platform/", {"name": "Norrby kommun", "slug": "norrby", "regime": "social_services"}
    )
    assert response.status_code == 302
    norrby = Organisation.objects.get(slug="norrby")
    assert norrby.regime == Regime.SOCIAL_SERVICES
    assert response["Location"] == f"/platform/{norrby.public_id}/"
    assert AuditEvent.objects.filter(action="organisation_created", actor=platform_admin).exists()

    response = client.post(
        response["Location"],
        {"action": "unit", "unit-name": "Våldsprevention Norrby", "unit-slug": "valdsprevention"},
    )
    assert response.status_code == 302
    unit = Unit.objects.get(organisation=norrby)
    norrby.refresh_from_db()
    assert norrby.help_unit == unit  # the first unit receives the requests for help

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/platform/{norrby.public_id}/",
            {"action": "invite", "admin-email": "Noa@Norrby.example", "admin-display_name": "Noa"},
        )
    assert response.status_code == 302
    assert "noa@norrby.example" in client.get(response["Location"]).content.decode()
    invitation = Invitation.objects.get(email="noa@norrby.example")
    assert invitation.roles == [Role.ADMIN] and invitation.organisation == norrby
    assert invitation.unit is None
    noa = _accept(_link_path(mail.outbox[-1].body))
    assert noa.roles == {Role.ADMIN}
    assert {g.organisation_id for g in noa.role_grants.all()} == {norrby.pk}

    admin = verified_client(noa)
    assert admin.get("/").headers["Location"] == "/account/admin/"
    response = admin.post(
        "/account/admin/",
        {"action": "unit", "unit-name": "Familjeenheten", "unit-slug": "familj"},
    )
    assert response.status_code == 302
    familj = Unit.objects.get(organisation=norrby, slug="familj")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            "/account/admin/",
            {
                "action": "invite",
                "email": "tim@norrby.example",
                "display_name": "Tim",
                "roles": ["therapist"],
                "unit": str(familj.public_id),
            },
        )
    assert response.status_code == 302
    tim = _accept(_link_path(mail.outbox[-1].body))
    grants = [(g.role, g.organisation_id, g.unit_id) for g in tim.role_grants.all()]
    assert grants == [(Role.THERAPIST, norrby.pk, familj.pk)]
    assert verified_client(tim).get("/therapist/").status_code == 200
    # The first organisation never saw any of it.
    assert not User.objects.get(pk=tim.pk).role_grants.filter(
        organisation=first_unit().organisation
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Dubblett", "slug": "omtag", "regime": "health_care"}, "använder redan"),
        ({"name": "Mellanslag", "slug": "norr by", "regime": "health_care"}, "slug"),
        ({"name": "Utan lag", "slug": "utanlag"}, "obligatoriskt"),
        ({"name": "", "slug": "tom", "regime": "health_care"}, "obligatoriskt"),
    ],
)
def test_creating_an_organisation_says_in_swedish_what_is_wrong(platform_admin, data, message):
    first_unit()
    before = Organisation.objects.count()
    response = verified_client(platform_admin).post("/platform/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'role="alert"' in page or "errorlist" in page
    assert message in page or message == "slug" and "giltig" in page
    assert Organisation.objects.count() == before


def test_a_platform_admin_invites_administrators_and_nothing_else(platform_admin):
    organisation = first_unit().organisation
    for roles in ([Role.THERAPIST], [Role.ADMIN, Role.THERAPIST], [Role.PLATFORM_ADMIN]):
        with pytest.raises(PermissionDenied):
            invitation_create(
                actor=platform_admin, email="x@example.org", roles=roles, organisation=organisation
            )
    with pytest.raises(PermissionDenied):
        invitation_create(
            actor=platform_admin,
            email="x@example.org",
            roles=[Role.ADMIN],
            unit=first_unit(),
        )
    with pytest.raises(PermissionDenied):
        invitation_create(
            actor=platform_admin,
            email="x@example.org",
            roles=[Role.PARTICIPANT],
            unit=first_unit(),
        )
    invitation, _path = invitation_create(
        actor=platform_admin, email="x@example.org", roles=[Role.ADMIN], organisation=organisation
    )
    assert invitation.organisation == organisation


def test_an_organisation_admin_cannot_reach_the_platform_pages(admin_user, platform_admin):
    client = verified_client(admin_user)
    assert client.get("/platform/").status_code == 404
    organisation = first_unit().organisation
    assert client.get(f"/platform/{organisation.public_id}/").status_code == 404
    response = client.post("/platform/", {"name": "X", "slug": "x", "regime": "health_care"})
    assert response.status_code == 404
    assert not Organisation.objects.filter(slug="x").exists()
    assert verified_client(platform_admin).get(f"/platform/{uuid.uuid4()}/").status_code == 404


def test_the_platform_pages_are_accessible_also_with_errors(platform_admin):
    client = verified_client(platform_admin)
    organisation = first_unit().organisation
    pages = {
        "/platform/": client.get("/platform/"),
        "/platform/ with errors": client.post("/platform/", {"slug": "a b"}),
        "organisation": client.get(f"/platform/{organisation.public_id}/"),
        "organisation with errors": client.post(
            f"/platform/{organisation.public_id}/", {"action": "invite", "admin-email": "x"}
        ),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        check_accessibility(response.content.decode(), name)


def test_the_platform_pages_ask_for_the_second_factor(platform_admin):
    client = Client()
    client.force_login(platform_admin)
    response = client.get("/platform/")
    assert response.status_code == 302 and response["Location"].startswith("/account/2fa/")


# Where participants', referrals' and partner cases' data is served.
DATA_PREFIXES = (
    "participant/",
    "messages/",
    "therapist/",
    "administration/",
    "partner/",
    "help/",
    "measures/",
    "reports/",
    "records/",
    "editor/",
    "account/admin/",
)
SLOT = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def _routes() -> list[str]:
    def walk(patterns, prefix: str = ""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield prefix + str(entry.pattern)

    return sorted(r for r in set(walk(get_resolver().url_patterns)) if r.startswith(DATA_PREFIXES))


def _real_ids(world) -> list[str]:
    """A real public id of each kind of a person's data the world holds: Alex's."""
    ids = [str(world.alex.public_id), str(world.therapist.public_id)]
    for model, owner in (
        (Enrollment, "participant"),
        (Thread, "enrollment__participant"),
        (Referral, "enrollment__participant"),
        (PartnerCase, "enrollment__participant"),
        (PartnerConsent, "enrollment__participant"),
        (RiskSignal, "enrollment__participant"),
        (RiskAssessment, "case__enrollment__participant"),
    ):
        found = model.objects.filter(**{owner: world.alex}).values_list("public_id", flat=True)
        assert found or model is RiskAssessment, model  # the world has no assessment
        ids += [str(found[0])] if found else []
    return ids


def test_every_participant_referral_and_partner_url_is_404_to_the_platform_admin(
    world, platform_admin
):
    client = verified_client(platform_admin)
    anonymous = Client()
    ids = _real_ids(world)
    seen = 0
    for route in _routes():
        slots = SLOT.findall(route)
        fillings = ids if any(conv == "uuid" for conv, _name in slots) else [ids[0]]
        for value in fillings:

            def fill(match: re.Match, value: str = value) -> str:
                conv = match.group("conv")
                if conv == "uuid":
                    return value
                return "1" if conv == "int" else "open"

            path = "/" + sample_path(SLOT.sub(fill, route))
            if anonymous.get(path).status_code == 200:
                continue  # the public ask-for-help form: the same for everyone
            for method in ("get", "post"):
                status = getattr(client, method)(path).status_code
                seen += 1
                assert status in (404, 405), (method, path, status)
    assert seen > 100
    # And nothing was read: no record access in the log by the platform admin.
    assert not AuditEvent.objects.filter(actor=platform_admin).exclude(subject=platform_admin)


def test_the_organisations_page_costs_the_same_with_more_organisations(platform_admin):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = verified_client(platform_admin)
    first_unit()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/platform/").status_code == 200
        return len(captured)

    queries()  # the first request of a session reads what later ones find cached
    few = queries()
    for n in range(4):
        organisation = Organisation.objects.create(
            slug=f"org{n}", name=f"Org {n}", regime=Regime.HEALTH_CARE
        )
        unit = Unit.objects.create(organisation=organisation, slug="u", name="U")
        make_user(f"staff{n}@example.org", [Role.THERAPIST], unit=unit)
    assert queries() == few
