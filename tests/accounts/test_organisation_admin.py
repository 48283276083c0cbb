"""An organisation's administrator: its units, staff invited into the whole organisation or one
unit, roles per unit; and nothing of another organisation, tried with that organisation's
real ids."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import Invitation, Role, RoleGrant, User
from accounts.services import invitation_create, unit_create, user_set_unit_roles
from audit.models import AuditEvent
from organisations.models import Organisation, Regime, Unit
from organisations.selectors import first_unit
from tests.helpers import make_user, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def norrby(db: None) -> Unit:
    organisation = Organisation.objects.create(
        slug="norrby", name="Norrby kommun", regime=Regime.SOCIAL_SERVICES
    )
    return Unit.objects.create(organisation=organisation, slug="vp", name="Våldsprevention Norrby")


@pytest.fixture
def norrby_admin(norrby: Unit) -> User:
    return make_user("noa@norrby.example", [Role.ADMIN], name="Noa", unit=norrby)


@pytest.fixture
def norrby_therapist(norrby: Unit) -> User:
    return make_user("tim@norrby.example", [Role.THERAPIST], name="Tim", unit=norrby)


def test_admin_sees_only_their_own_organisation_people_and_units(
    admin_user, therapist, norrby, norrby_admin, norrby_therapist
):
    page = verified_client(admin_user).get("/account/admin/").content.decode()
    assert therapist.email in page and first_unit().name in page
    assert norrby_therapist.email not in page and norrby_admin.email not in page
    assert norrby.name not in page
    page = verified_client(norrby_admin).get("/account/admin/").content.decode()
    assert norrby_therapist.email in page and norrby.name in page
    assert therapist.email not in page and admin_user.email not in page


def test_another_organisations_people_are_404_whatever_is_tried(
    admin_user, norrby, norrby_admin, norrby_therapist
):
    client = verified_client(admin_user)
    url = f"/account/admin/users/{norrby_therapist.public_id}/"
    assert client.get(url).status_code == 404
    for data in (
        {"action": "lock"},
        {"action": "roles", "roles": ["therapist", "admin"]},
        {"action": "unit_roles", "unit": str(norrby.public_id), f"u{norrby.pk}-roles": ["admin"]},
    ):
        assert client.post(url, data).status_code == 404
    norrby_therapist.refresh_from_db()
    assert norrby_therapist.is_active and norrby_therapist.roles == {Role.THERAPIST}
    assert not RoleGrant.objects.filter(user=norrby_therapist).exclude(role=Role.THERAPIST)


def test_another_organisations_unit_is_404_and_cannot_be_invited_into(
    admin_user, therapist, norrby, django_capture_on_commit_callbacks
):
    client = verified_client(admin_user)
    # Their own person, another organisation's unit: refused as if the unit did not exist.
    response = client.post(
        f"/account/admin/users/{therapist.public_id}/",
        {"action": "unit_roles", "unit": str(norrby.public_id), f"u{norrby.pk}-roles": ["admin"]},
    )
    assert response.status_code == 404
    assert not RoleGrant.objects.filter(user=therapist, unit=norrby).exists()
    with pytest.raises(PermissionDenied):
        user_set_unit_roles(actor=admin_user, user=therapist, unit=norrby, roles=[Role.ADMIN])
    response = client.post(
        "/account/admin/",
        {
            "action": "invite",
            "email": "spy@example.org",
            "roles": ["admin"],
            "unit": str(norrby.public_id),
        },
    )
    assert response.status_code == 200  # the unit is not among the choices
    assert not Invitation.objects.filter(email="spy@example.org").exists()
    with pytest.raises(PermissionDenied):
        invitation_create(
            actor=admin_user, email="spy@example.org", roles=[Role.ADMIN], unit=norrby
        )
    with pytest.raises(PermissionDenied):
        invitation_create(
            actor=admin_user,
            email="spy@example.org",
            roles=[Role.ADMIN],
            organisation=norrby.organisation,
        )
    with pytest.raises(PermissionDenied):
        unit_create(actor=admin_user, organisation=norrby.organisation, name="X", slug="x")
    assert not Invitation.objects.filter(email="spy@example.org").exists()


def test_admin_adds_a_unit_to_their_own_organisation_only(admin_user, norrby):
    client = verified_client(admin_user)
    response = client.post(
        "/account/admin/", {"action": "unit", "unit-name": "Öppenvården", "unit-slug": "oppen"}
    )
    assert response.status_code == 302
    unit = Unit.objects.get(slug="oppen")
    assert unit.organisation == first_unit().organisation
    assert AuditEvent.objects.filter(action="unit_created", actor=admin_user).exists()
    # The same short name twice in one organisation: said in Swedish, nothing made.
    response = client.post(
        "/account/admin/", {"action": "unit", "unit-name": "Igen", "unit-slug": "oppen"}
    )
    assert response.status_code == 200
    assert "använder redan kortnamnet" in response.content.decode()
    assert Unit.objects.filter(slug="oppen").count() == 1


def test_roles_per_unit_are_granted_removed_and_audited_with_the_unit(admin_user, therapist):
    extra = unit_create(
        actor=admin_user, organisation=first_unit().organisation, name="Öppenvården", slug="oppen"
    )
    person = make_user(
        "unit.only@example.org", [Role.THERAPIST], unit=extra, whole_organisation=False
    )
    client = verified_client(admin_user)
    url = f"/account/admin/users/{person.public_id}/"
    page = client.get(url).content.decode()
    assert "Öppenvården" in page and first_unit().name in page
    response = client.post(
        url,
        {
            "action": "unit_roles",
            "unit": str(extra.public_id),
            f"u{extra.pk}-roles": ["therapist", "partner_worker"],
        },
    )
    assert response.status_code == 302
    grants = {(g.role, g.unit_id) for g in person.role_grants.all()}
    assert grants == {(Role.THERAPIST, extra.pk), (Role.PARTNER_WORKER, extra.pk)}
    event = AuditEvent.objects.filter(action="roles_changed", subject=person).latest("created_at")
    assert "Öppenvården" in event.detail and "partner_worker" in event.detail
    assert event.target_id == str(extra.public_id)
    # Removing every role of their only place would lose them from the organisation.
    client.post(url, {"action": "unit_roles", "unit": str(extra.public_id)})
    assert person.role_grants.count() == 2
    # A whole-organisation role is set apart and leaves the unit's roles as they are.
    response = client.post(url, {"action": "roles", "roles": ["editor"]})
    assert response.status_code == 302
    grants = {(g.role, g.unit_id) for g in person.role_grants.all()}
    assert grants == {
        (Role.THERAPIST, extra.pk),
        (Role.PARTNER_WORKER, extra.pk),
        (Role.EDITOR, None),
    }
    # Now the unit's roles can go: the person stays in the organisation as an editor.
    client.post(url, {"action": "unit_roles", "unit": str(extra.public_id)})
    assert {g.role for g in person.role_grants.all()} == {Role.EDITOR}


def test_admin_invites_staff_into_one_unit_of_their_organisation(admin_user):
    extra = unit_create(
        actor=admin_user, organisation=first_unit().organisation, name="Öppenvården", slug="oppen"
    )
    invitation, _path = invitation_create(
        actor=admin_user, email="nils@example.org", roles=[Role.THERAPIST], unit=extra
    )
    assert invitation.unit == extra and invitation.organisation_id == extra.organisation_id


def test_the_platform_role_cannot_be_given_from_an_organisations_pages(admin_user, therapist):
    client = verified_client(admin_user)
    client.post(
        f"/account/admin/users/{therapist.public_id}/",
        {"action": "roles", "roles": ["therapist", "platform_admin"]},
    )
    client.post(
        "/account/admin/",
        {"action": "invite", "email": "x@example.org", "roles": ["platform_admin"]},
    )
    assert not RoleGrant.objects.filter(role=Role.PLATFORM_ADMIN).exists()
    assert not Invitation.objects.filter(email="x@example.org").exists()


def test_both_unit_pages_share_one_form_and_one_list(admin_user, norrby):
    """The organisation's administrator and the platform administrator add units through the
    same form and see the same list: a unit added on either page shows on both, and a short
    name taken is refused on both in the same words."""
    platform_admin = make_user("platform@example.org", [Role.PLATFORM_ADMIN], name="Paula")
    organisation = first_unit().organisation
    pages = {
        "admin": (verified_client(admin_user), "/account/admin/"),
        "platform": (
            verified_client(platform_admin),
            f"/platform/{organisation.public_id}/",
        ),
    }
    added = {"admin": "Öppenvården", "platform": "Familjeenheten"}
    for who, (client, url) in pages.items():
        slug = who + "-unit"
        response = client.post(url, {"action": "unit", "unit-name": added[who], "unit-slug": slug})
        assert response.status_code == 302
        assert Unit.objects.get(slug=slug).organisation == organisation
    for client, url in pages.values():
        response = client.get(url)
        assert "accounts/_units.html" in [t.name for t in response.templates]
        page = response.content.decode()
        assert added["admin"] in page and added["platform"] in page
        assert norrby.name not in page
        response = client.post(
            url, {"action": "unit", "unit-name": "Igen", "unit-slug": "admin-unit"}
        )
        assert response.status_code == 200
        assert "använder redan kortnamnet admin-unit" in response.content.decode()
    assert not Unit.objects.filter(name="Igen").exists()


@pytest.fixture
def ostby(db: None) -> Unit:
    organisation = Organisation.objects.create(
        slug="ostby", name="Östby kommun", regime=Regime.SOCIAL_SERVICES
    )
    return Unit.objects.create(organisation=organisation, slug="ov", name="Öppenvård Östby")


def test_an_admin_of_two_organisations_chooses_and_sees_only_the_chosen_one(
    admin_user, therapist, norrby, norrby_therapist, ostby
):
    """Ada administers her own organisation and Norrby: Norrby's page shows Norrby's units and
    people, never her own organisation's; the choice lives in the URL, and a third
    organisation (Östby, which she does not administer) is 404 whatever the id."""
    from accounts.services import grant_roles

    grant_roles(admin_user, [Role.ADMIN], organisation=norrby.organisation_id)
    home = first_unit()
    home.name = "Psykiatrimottagningen"  # a name no label on the page contains
    home.save(update_fields=["name"])
    ostby_person = make_user("olle@ostby.example", [Role.THERAPIST], unit=ostby)
    client = verified_client(admin_user)
    # The first by name (Norrby) until she chooses; the choice is a link on the page.
    first = client.get("/account/admin/").content.decode()
    assert norrby_therapist.email in first and therapist.email not in first
    assert f"?organisation={home.organisation.public_id}" in first
    own = client.get(f"/account/admin/?organisation={home.organisation.public_id}")
    own_page = own.content.decode()
    assert home.name in own_page and therapist.email in own_page
    assert norrby.name not in own_page and norrby_therapist.email not in own_page
    url = f"/account/admin/?organisation={norrby.organisation.public_id}"
    page = client.get(url).content.decode()
    assert norrby.name in page and norrby_therapist.email in page
    assert home.name not in page and therapist.email not in page
    assert ostby.name not in page and ostby_person.email not in page
    # Ada is on both organisations' staff lists; on Norrby's page only her Norrby role shows.
    row = page.split(admin_user.email, 1)[1].split("</tr>", 1)[0]
    assert row.count("Administratör") == 1
    # What she does there happens in the chosen organisation, and she stays there.
    response = client.post(url, {"action": "unit", "unit-name": "Familjeenheten", "unit-slug": "f"})
    assert response.status_code == 302 and response.url == url
    assert Unit.objects.get(slug="f").organisation == norrby.organisation
    response = client.post(
        url, {"action": "invite", "email": "nina@example.org", "roles": ["therapist"]}
    )
    assert response.status_code == 302 and response.url == url
    assert Invitation.objects.get(email="nina@example.org").organisation == norrby.organisation
    assert "nina@example.org" in client.get(url).content.decode()
    own_url = f"/account/admin/?organisation={home.organisation.public_id}"
    assert "nina@example.org" not in client.get(own_url).content.decode()
    # Another organisation's real id, a made-up one, a malformed one: 404, nothing made.
    for forged in (ostby.organisation.public_id, "00000000-0000-0000-0000-000000000000", "x<"):
        assert client.get(f"/account/admin/?organisation={forged}").status_code == 404
        response = client.post(
            f"/account/admin/?organisation={forged}",
            {"action": "unit", "unit-name": "Spion", "unit-slug": "spion"},
        )
        assert response.status_code == 404
    assert not Unit.objects.filter(slug="spion").exists()


def test_an_admin_of_one_organisation_has_no_chooser(admin_user, norrby, norrby_admin):
    page = verified_client(admin_user).get("/account/admin/").content.decode()
    assert "?organisation=" not in page and "Norrby kommun" not in page
    own = first_unit().organisation.public_id
    assert verified_client(admin_user).get(f"/account/admin/?organisation={own}").status_code == 200
    response = verified_client(admin_user).get(
        f"/account/admin/?organisation={norrby.organisation.public_id}"
    )
    assert response.status_code == 404


def test_the_people_list_comes_in_pages_at_a_constant_cost(admin_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/account/admin/").status_code == 200
        return len(captured)

    def people(numbers: range) -> None:
        for i in numbers:
            make_user(f"p{i:02d}@example.org", [Role.PARTICIPANT], name=f"P{i}")

    client = verified_client(admin_user)
    people(range(4))  # with Ada, five people
    client.get("/account/admin/")
    few = queries()
    people(range(4, 59))  # sixty
    assert queries() == few
    first = client.get("/account/admin/").content.decode()
    assert "p00@example.org" in first and "p48@example.org" in first
    assert "p49@example.org" not in first and "Sida 1 av 2" in first
    second = client.get("/account/admin/?page=2").content.decode()
    assert "p49@example.org" in second and "p58@example.org" in second
    assert "p00@example.org" not in second
    for asked in ("abc", "9999"):
        page = client.get(f"/account/admin/?page={asked}").content.decode()
        assert f"Det finns ingen sida {asked}." in page


def test_the_page_links_keep_the_chosen_organisation(admin_user, norrby):
    from accounts.services import grant_roles

    grant_roles(admin_user, [Role.ADMIN], organisation=norrby.organisation_id)
    for i in range(51):
        make_user(f"n{i:02d}@norrby.example", [Role.PARTICIPANT], unit=norrby)
    chosen = f"organisation={norrby.organisation.public_id}"
    page = verified_client(admin_user).get(f"/account/admin/?{chosen}").content.decode()
    assert f'href="?{chosen}&amp;page=2"' in page
