"""Programmes as a shared library: the organisation that owns a programme keeps it, others
offer it to their participants without copying it, and a participant joins a programme their
own organisation offers."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Role
from content.models import ProgrammeOffer, ProgramPage
from modules.models import Enrollment
from modules.services import enrollment_create, participant_invite
from organisations.models import Organisation, Regime, Unit
from organisations.selectors import first_unit
from tests.helpers import (
    HEADING_BODY,
    in_english,
    make_module,
    make_user,
    module_form,
    verified_client,
    wagtail_root,
)

pytestmark = pytest.mark.django_db


def _programme(title: str, owner: Organisation | None) -> ProgramPage:
    page = ProgramPage(title=title, slug=title.lower(), intro="<p>x</p>", owning_organisation=owner)
    wagtail_root().add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def two() -> dict[str, Unit]:
    here = first_unit()
    there_org = Organisation.objects.create(
        slug="norrby", name="Norrby kommun", regime=Regime.SOCIAL_SERVICES
    )
    return {
        "here": here,
        "there": Unit.objects.create(organisation=there_org, slug="vp", name="Våldsprevention"),
    }


def test_a_participant_joins_the_programme_their_organisation_offers(two) -> None:
    ours = _programme("Ours", two["here"].organisation)
    theirs = _programme("Theirs", two["there"].organisation)
    ProgrammeOffer.objects.create(
        organisation=two["there"].organisation, translation_key=ours.translation_key
    )
    therapist = make_user("t2@example.org", [Role.THERAPIST], unit=two["there"])
    enrollment = participant_invite(actor=therapist, email="p@example.org", display_name="P")
    # Not a copy: the page ours owns, so its block ids (and the answers to them) are shared.
    assert enrollment.programme.pk == ours.pk
    assert enrollment.unit == two["there"]
    assert theirs.pk != ours.pk


def test_an_organisation_that_offers_nothing_is_told_so(two, english) -> None:
    _programme("Ours", two["here"].organisation)
    therapist = make_user("t2@example.org", [Role.THERAPIST], unit=two["there"])
    with pytest.raises(ValidationError, match="no programme yet"):
        participant_invite(actor=therapist, email="p@example.org", display_name="P")
    assert not Enrollment.objects.exists()


def test_a_programme_not_offered_in_the_unit_is_refused(two, english) -> None:
    ours = _programme("Ours", two["here"].organisation)
    therapist = make_user("t2@example.org", [Role.THERAPIST], unit=two["there"])
    participant = make_user("p@example.org", [Role.PARTICIPANT], unit=two["there"])
    with pytest.raises(ValidationError, match="not offered"):
        enrollment_create(
            actor=therapist, participant=participant, programme=ours, therapist=therapist
        )
    assert not Enrollment.objects.exists()


def test_the_admin_chooses_what_the_organisation_offers(two) -> None:
    ours = _programme("Ours", two["here"].organisation)
    admin = make_user("a2@example.org", [Role.ADMIN], unit=two["there"])
    client = in_english(verified_client(admin))
    page = client.get(reverse("content:programmes")).content.decode()
    assert "Ours" in page and "kept by Omtag" in page
    client.post(reverse("content:programmes"), {"programme": [str(ours.translation_key)]})
    assert set(
        ProgrammeOffer.objects.filter(organisation=two["there"].organisation).values_list(
            "translation_key", flat=True
        )
    ) == {ours.translation_key}
    # A well-formed id that is no programme: refused, nothing changed.
    response = client.post(
        reverse("content:programmes"), {"programme": [str(uuid.uuid4())]}, follow=True
    )
    assert "Choose programmes from the list" in response.content.decode()
    assert ProgrammeOffer.objects.filter(organisation=two["there"].organisation).count() == 1
    # A key that is not an id at all, alone or beside a real one: 404, nothing changed.
    for malformed in ("not-a-uuid", "<script>", ""):
        for keys in ([malformed], [str(ours.translation_key), malformed]):
            response = client.post(reverse("content:programmes"), {"programme": keys})
            assert response.status_code == 404, keys
            assert "<script>" not in response.content.decode()
    assert ProgrammeOffer.objects.filter(organisation=two["there"].organisation).count() == 1
    # Their choice changes nothing for the owner.
    assert not ProgrammeOffer.objects.filter(organisation=two["here"].organisation).exists()


def test_only_admins_see_the_offer_page(two) -> None:
    therapist = make_user("t@example.org", [Role.THERAPIST])
    assert verified_client(therapist).get(reverse("content:programmes")).status_code == 404


def test_only_the_owners_editors_change_a_programme(two) -> None:
    ours = _programme("Ours", two["here"].organisation)
    module = make_module(ours, HEADING_BODY)
    our_editor = make_user("e@example.org", [Role.EDITOR])
    their_editor = make_user("e2@example.org", [Role.EDITOR], unit=two["there"])
    assert verified_client(our_editor).get(f"/cms/pages/{module.pk}/edit/").status_code == 200
    theirs = verified_client(their_editor)
    refused = theirs.get(f"/cms/pages/{module.pk}/edit/")
    assert refused.status_code == 302
    forged = theirs.post(f"/cms/pages/{module.pk}/edit/", module_form("Taken over"))
    assert forged.status_code == 302
    module.refresh_from_db()
    assert module.get_latest_revision().content["title"] != "Taken over"
    assert theirs.get(f"/cms/pages/add/content/modulepage/{ours.pk}/").status_code == 302
    assert theirs.get(f"/cms/pages/{module.pk}/delete/").status_code == 302


def test_a_programme_an_editor_creates_belongs_to_their_organisation(two) -> None:
    editor = make_user("e2@example.org", [Role.EDITOR], unit=two["there"])
    response = verified_client(editor).post(
        f"/cms/pages/add/content/programpage/{wagtail_root().pk}/",
        {"title": "Norrbys program", "intro": '{"blocks": [], "entityMap": {}}'},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    page = ProgramPage.objects.get(title="Norrbys program")
    assert page.owning_organisation == two["there"].organisation
