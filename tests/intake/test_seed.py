"""The demo referrals for `make run`."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from intake.models import Referral, ReferralStatus
from intake.selectors import days_waited
from tests.helpers import make_user

pytestmark = pytest.mark.django_db


def test_three_demo_referrals_of_different_ages_and_sources_idempotently(settings):
    settings.DEBUG = True
    therapist = make_user("therapist@demo.omtag.se", ["therapist"])
    call_command("seed_demo_referrals")
    call_command("seed_demo_referrals")
    referrals = list(Referral.objects.order_by("received_at"))
    assert len(referrals) == 3
    assert len({r.source for r in referrals}) == 3
    assert sorted(days_waited(r) for r in referrals) == [1, 6, 12]
    contacted = [r for r in referrals if r.first_contact_at]
    assert len(contacted) == 1 and contacted[0].assigned_to == therapist
    assert contacted[0].status == ReferralStatus.SCREENING


def test_demo_data_needs_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo_referrals")
    assert Referral.objects.count() == 0
