"""Writes check the unit themselves, not only the pages in front of them: a care team member
who no longer works in the treatment's unit cannot open a module, and an administrator of
another organisation cannot erase someone's record."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import Role, RoleGrant
from accounts.services import grant_roles
from modules.models import ModuleProgress, ModuleState
from modules.services import module_unlock
from organisations.models import Organisation, Regime, Unit
from records.models import Anonymisation
from records.services import erasure_carry_out
from tests.helpers import end_treatment, enroll, make_programme, make_user, modules_of

pytestmark = pytest.mark.django_db


def test_a_therapist_without_a_role_in_the_unit_cannot_open_a_module(participant, therapist):
    programme = make_programme(modules=2)
    enrollment = enroll(participant, therapist, programme)
    second = modules_of(programme)[1]
    # Moved to another organisation's unit: still a therapist, and still named on the
    # treatment, but no longer working where it is given.
    elsewhere = Unit.objects.create(
        organisation=Organisation.objects.create(
            slug="norrby", name="Norrby", regime=Regime.SOCIAL_SERVICES
        ),
        slug="vp",
        name="VP",
    )
    RoleGrant.objects.filter(user=therapist, role=Role.THERAPIST).delete()
    grant_roles(therapist, [Role.THERAPIST], unit=elsewhere)
    therapist = type(therapist).objects.get(pk=therapist.pk)
    assert therapist.has_role(Role.THERAPIST)
    with pytest.raises(PermissionDenied):
        module_unlock(actor=therapist, enrollment=enrollment, module=second)
    progress = ModuleProgress.objects.get(enrollment=enrollment, module=second)
    assert progress.state == ModuleState.LOCKED


def test_an_admin_of_another_organisation_cannot_erase_a_record(participant, therapist):
    enrollment = enroll(participant, therapist, make_programme(modules=1))
    end_treatment(enrollment, therapist, years_ago=0.1)
    other = Organisation.objects.create(slug="norrby", name="Norrby", regime=Regime.HEALTH_CARE)
    unit = Unit.objects.create(organisation=other, slug="vp", name="VP")
    stranger = make_user("a2@example.org", [Role.ADMIN], unit=unit)
    with pytest.raises(PermissionDenied):
        erasure_carry_out(
            actor=stranger,
            participant=participant,
            reason="The person asked for erasure under GDPR article 17.",
            confirmation=participant.display_name,
        )
    assert not Anonymisation.objects.exists()


def test_a_therapist_of_another_unit_cannot_act_on_a_referral(english):
    from intake.models import ReferralStatus
    from intake.services import referral_close, referral_record_contact
    from tests.helpers import make_referral

    referral = make_referral()
    elsewhere = Unit.objects.create(
        organisation=Organisation.objects.create(
            slug="norrby", name="Norrby", regime=Regime.SOCIAL_SERVICES
        ),
        slug="vp",
        name="VP",
    )
    stranger = make_user("t2@example.org", [Role.THERAPIST], unit=elsewhere)
    with pytest.raises(PermissionDenied):
        referral_record_contact(actor=stranger, referral=referral)
    with pytest.raises(PermissionDenied):
        referral_close(actor=stranger, referral=referral, reason="Not for us, says a stranger")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.NEW and referral.first_contact_at is None
