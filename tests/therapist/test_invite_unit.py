"""A therapist who works in two units says which unit a new participant is treated in; one
who works in one unit is not asked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Invitation, Role
from accounts.services import grant_roles
from modules.models import Enrollment
from organisations.models import Organisation, Regime, Unit
from organisations.selectors import first_unit
from tests.helpers import in_english, make_programme, make_user, verified_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def units() -> dict[str, Unit]:
    here = first_unit()
    second = Unit.objects.create(organisation=here.organisation, slug="andra", name="Andra")
    other = Organisation.objects.create(slug="norrby", name="Norrby", regime=Regime.HEALTH_CARE)
    elsewhere = Unit.objects.create(organisation=other, slug="vp", name="Våldsprevention")
    make_programme(modules=1)  # offered by every organisation
    return {"here": here, "second": second, "elsewhere": elsewhere}


def _therapist_of(unit: Unit):
    return make_user("t@example.org", [Role.THERAPIST], unit=unit, whole_organisation=False)


def _invite(client, **data):
    return client.post(
        reverse("therapist:home"), {"email": "new@example.org", "display_name": "Ny", **data}
    )


def test_a_therapist_of_two_units_chooses_the_unit(units) -> None:
    therapist = make_user(
        "t@example.org", [Role.THERAPIST], unit=units["here"], whole_organisation=False
    )
    grant_roles(therapist, [Role.THERAPIST], unit=units["second"])
    client = in_english(verified_client(therapist))
    page = client.get(reverse("therapist:home")).content.decode()
    assert 'name="unit"' in page and "Omtag / Andra" in page
    response = _invite(client, unit=units["second"].pk)
    assert response.status_code == 302
    enrollment = Enrollment.objects.get()
    assert enrollment.unit == units["second"] and enrollment.therapist == therapist
    assert Invitation.objects.get().unit == units["second"]


def test_a_unit_the_therapist_does_not_work_in_is_refused(units) -> None:
    therapist = make_user(
        "t@example.org", [Role.THERAPIST], unit=units["here"], whole_organisation=False
    )
    grant_roles(therapist, [Role.THERAPIST], unit=units["second"])
    response = _invite(in_english(verified_client(therapist)), unit=units["elsewhere"].pk)
    assert "Choose a unit from the list" in response.content.decode()
    assert not Enrollment.objects.exists() and not Invitation.objects.exists()


def test_a_therapist_of_one_unit_is_not_asked(units) -> None:
    therapist = make_user(
        "t@example.org", [Role.THERAPIST], unit=units["here"], whole_organisation=False
    )
    client = verified_client(therapist)
    assert 'name="unit"' not in client.get(reverse("therapist:home")).content.decode()
    assert _invite(client).status_code == 302
    assert Enrollment.objects.get().unit == units["here"]
