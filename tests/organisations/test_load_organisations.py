"""reports.load seeds several organisations for bench/pages.py --organisations: each its own
unit, therapist, administrator and lead, and its participants enrolled in its unit only."""

from __future__ import annotations

import pytest

from accounts.models import Role, RoleGrant, User
from accounts.scope import covers
from modules.models import Answer, Enrollment
from organisations.models import Organisation
from organisations.selectors import first_unit
from reports.load import (
    PARTICIPANT_EMAIL,
    THERAPIST_EMAIL,
    load_staff,
    seed_organisations,
    seed_participants,
)
from tests.helpers import make_programme

pytestmark = pytest.mark.django_db


def test_each_organisation_gets_its_own_people_in_its_own_unit():
    make_programme(modules=2, answers_per_module=2)
    units, created = seed_organisations(3, 2)
    assert created == 6
    assert units[0] == first_unit()
    assert Organisation.objects.count() == 3
    assert len({u.organisation_id for u in units}) == 3

    therapists = [load_staff(Role.THERAPIST, unit) for unit in units]
    assert therapists[0].email == THERAPIST_EMAIL  # the first organisation's, as before
    assert len({t.pk for t in therapists}) == 3
    for unit, therapist in zip(units, therapists, strict=True):
        enrollments = Enrollment.objects.filter(unit=unit)
        assert enrollments.count() == 2
        assert {e.therapist_id for e in enrollments} == {therapist.pk}
        assert Answer.objects.filter(enrollment__unit=unit).count() == 4
        grants = RoleGrant.objects.filter(role=Role.PARTICIPANT, unit=unit)
        assert set(grants.values_list("organisation_id", flat=True)) == {unit.organisation_id}
        others = [u for u in units if u != unit]
        assert covers(therapist, unit.pk, Role.THERAPIST)
        assert not any(covers(therapist, u.pk, Role.THERAPIST) for u in others)
        for role in (Role.ADMIN, Role.ORG_LEAD):
            staff = load_staff(role, unit)
            assert covers(staff, unit.pk, role)
            assert not any(covers(staff, u.pk, role) for u in others)
    assert User.objects.filter(email=PARTICIPANT_EMAIL.format(0)).exists()
    assert User.objects.filter(email__startswith="bench-bench-org-02-participant-").count() == 2

    # "At least P in each": a second run makes none, and more in one unit leaves the others.
    assert seed_organisations(3, 2)[1] == 0
    assert seed_participants(3, unit=units[1])[0] == 1
    assert Enrollment.objects.filter(unit=units[2]).count() == 2
