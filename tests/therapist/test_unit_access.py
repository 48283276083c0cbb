"""The workbench follows the therapist's grants per unit: a therapist on a treatment's care
team who no longer holds the role in its unit no longer sees it, nor writes to it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import Role
from accounts.services import grant_roles
from modules.services import enrollment_create, enrollment_start
from organisations.models import Unit
from organisations.selectors import first_unit
from tests.helpers import make_programme, make_user, verified_client
from therapist import selectors
from therapist.services import note_add

pytestmark = pytest.mark.django_db


def test_a_therapist_without_the_role_in_the_unit_loses_the_treatment() -> None:
    one = first_unit()
    two = Unit.objects.create(organisation=one.organisation, slug="second", name="Second")
    therapist = make_user("t@example.org", [Role.THERAPIST], unit=one, whole_organisation=False)
    grant_roles(therapist, [Role.THERAPIST], unit=two)
    participant = make_user("p@example.org", [Role.PARTICIPANT], unit=one)
    enrollment = enrollment_create(
        actor=therapist,
        participant=participant,
        programme=make_programme(modules=1, answers_per_module=1),
        therapist=therapist,
        unit=one,
    )
    enrollment_start(enrollment=enrollment)
    client = verified_client(therapist)
    overview = reverse("therapist:participant", args=[enrollment.public_id])
    assert client.get(overview).status_code == 200

    grant_roles(therapist, [], unit=one)
    therapist = type(therapist).objects.get(pk=therapist.pk)  # no remembered grants

    assert client.get(overview).status_code == 404
    assert client.get(reverse("therapist:notes", args=[enrollment.public_id])).status_code == 404
    assert [row.enrollment for row in selectors.caseload(therapist)] == []
    assert selectors.open_risk_count(therapist) == 0
    with pytest.raises(PermissionDenied):
        note_add(actor=therapist, enrollment=enrollment, body="A note")
