"""Journey: a participant clicks "Logga in med e-legitimation", picks a made-up person at the
local test provider (a real OpenID Connect provider, tests/oidc.py) and lands on their home
page, with no authenticator code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.identity import identity_hash
from accounts.models import Role, User
from organisations.models import IdentityProvider, ParticipantLogin
from organisations.selectors import first_unit
from tests.helpers import enroll, make_programme, make_user, screenshot
from tests.oidc import CLIENT_ID, CLIENT_SECRET, LOA3, NUMBERS, PIN_CLAIM, oidc_provider

pytestmark = pytest.mark.browser

SLUG = "eid-e2e"


def test_participant_logs_in_with_e_id_and_lands_on_home(
    page: Page, base_url: str, tmp_path: Path
) -> None:
    participant = make_user("eid.participant@example.org", [Role.PARTICIPANT], name="Sam")
    therapist = make_user("eid.therapist@example.org", [Role.THERAPIST], name="Tove")
    enroll(participant, therapist, make_programme(modules=1, answers_per_module=1))
    User.objects.filter(pk=participant.pk).update(identity_hash=identity_hash(NUMBERS["anna"]))
    callback = f"{base_url}/account/oidc/{SLUG}/login/callback/"
    with oidc_provider([callback], tmp_path) as provider:
        organisation = first_unit().organisation
        organisation.participant_login = ParticipantLogin.EID_OR_PASSWORD
        organisation.save(update_fields=["participant_login"])
        IdentityProvider.objects.create(
            organisation=organisation,
            slug=SLUG,
            name="E-legitimation",
            purpose=IdentityProvider.Purpose.EID,
            issuer=provider.issuer,
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            identity_claim=PIN_CLAIM,
            accepted_levels=[LOA3],
        )
        page.goto(base_url + "/account/login/")
        page.get_by_role("button", name="Logga in med e-legitimation").click()
        expect(page.get_by_text("Testleverantör — påhittade personer")).to_be_visible()
        page.get_by_label(re.compile("Anna Testsson")).check()
        screenshot(page, "eid-test-provider.png")
        page.get_by_role("button", name="Logga in som vald person").click()
        expect(page).to_have_url(re.compile("^" + re.escape(base_url + "/participant/")))
        expect(page.locator("h1")).to_contain_text("Sam")
