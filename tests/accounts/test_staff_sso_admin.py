"""An administrator sets the employee id (e.g. an HSA id) by which staff single sign-on may
match a member of staff: on the person's page, audited, only for staff they manage."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from audit.models import AuditEvent
from organisations.models import Organisation, Unit
from tests.helpers import in_english, make_user, verified_client

pytestmark = pytest.mark.django_db


def set_employee_id(client: Client, user: User, value: str) -> Any:
    return client.post(
        reverse("accounts:admin_user", args=[user.public_id]),
        {"action": "employee_id", "employee_id": value},
        follow=True,
    )


def test_the_administrator_sets_and_clears_a_staff_members_employee_id(
    admin_user: User, therapist: User
) -> None:
    client = in_english(verified_client(admin_user))
    page = client.get(reverse("accounts:admin_user", args=[therapist.public_id]))
    assert 'name="employee_id"' in page.content.decode()
    response = set_employee_id(client, therapist, "  SE2321000016-A1B2 ")
    assert "The employee id has been saved." in response.content.decode()
    therapist.refresh_from_db()
    assert therapist.employee_id == "SE2321000016-A1B2"
    event = AuditEvent.objects.get(action=AuditEvent.Action.EMPLOYEE_ID_CHANGED)
    assert (event.actor, event.subject) == (admin_user, therapist)
    assert event.detail == "- -> SE2321000016-A1B2"
    set_employee_id(client, therapist, "")
    therapist.refresh_from_db()
    assert therapist.employee_id == ""


def test_an_employee_id_is_for_staff_and_belongs_to_one_account(
    admin_user: User, therapist: User, other_therapist: User, participant: User
) -> None:
    client = in_english(verified_client(admin_user))
    page = client.get(reverse("accounts:admin_user", args=[participant.public_id]))
    assert 'name="employee_id"' not in page.content.decode()
    response = set_employee_id(client, participant, "SE-1")
    assert "Only staff accounts have an employee id." in response.content.decode()
    set_employee_id(client, therapist, "SE-2")
    response = set_employee_id(client, other_therapist, "SE-2")
    assert "Another account already has this employee id." in response.content.decode()
    participant.refresh_from_db()
    other_therapist.refresh_from_db()
    assert (participant.employee_id, other_therapist.employee_id) == ("", "")


def test_another_organisations_administrator_cannot_set_it(therapist: User) -> None:
    elsewhere = Organisation.objects.create(slug="elsewhere", name="Elsewhere")
    unit = Unit.objects.create(organisation=elsewhere, name="Elsewhere unit")
    stranger = make_user("admin@elsewhere.example", [Role.ADMIN], unit=unit)
    response = verified_client(stranger).post(
        reverse("accounts:admin_user", args=[therapist.public_id]),
        {"action": "employee_id", "employee_id": "SE-3"},
    )
    assert response.status_code == 404
    therapist.refresh_from_db()
    assert therapist.employee_id == ""
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EMPLOYEE_ID_CHANGED).exists()


def test_a_therapist_cannot_set_it(therapist: User, other_therapist: User) -> None:
    response = verified_client(therapist).post(
        reverse("accounts:admin_user", args=[other_therapist.public_id]),
        {"action": "employee_id", "employee_id": "SE-4"},
    )
    assert response.status_code == 404
    other_therapist.refresh_from_db()
    assert other_therapist.employee_id == ""
