"""The shared list of people holding a role: what admins pick from when assigning."""

from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.selectors import users_with_role
from organisations.selectors import first_unit
from tests.helpers import make_user

pytestmark = pytest.mark.django_db


def test_active_holders_of_the_role_by_name_then_email() -> None:
    bo = make_user("bo@example.org", [Role.THERAPIST], name="Bo")
    anna = make_user("anna@example.org", [Role.THERAPIST, Role.ADMIN], name="Anna")
    unnamed = make_user("zed@example.org", [Role.THERAPIST])
    gone = make_user("gone@example.org", [Role.THERAPIST], name="Gone")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    make_user("worker@example.org", [Role.PARTNER_WORKER], name="Aaron")

    here = [first_unit().pk]
    assert list(users_with_role(Role.THERAPIST, units=here)) == [unnamed, anna, bo]
    assert [u.email for u in users_with_role(Role.PARTNER_WORKER, units=here)] == [
        "worker@example.org"
    ]
