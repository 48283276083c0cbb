"""Journey: an editor clicks "Logga in med organisationens konto" on the login page, the
browser goes on to the organisation's SAML identity provider (pysaml2 on 127.0.0.1,
tests/support/saml_idp.py), which signs an assertion with a smartcard AuthnContext and
posts it back to Omtag's ACS; the editor lands in the CMS without an authenticator code.

A real Chromium proves what the test client cannot: that the CSP lets the browser on to the
provider after the button's POST, and that the session survives the provider's cross-site
POST back (allauth's ACS hands over to a same-site GET)."""

from __future__ import annotations

import re
from urllib.request import urlopen

import pytest
from playwright.sync_api import Page, expect

from accounts.models import AssuranceDevice, Role
from organisations.models import IdentityProvider
from organisations.selectors import first_unit
from tests.helpers import make_user, screenshot
from tests.support.saml_idp import SMARTCARD, Login, SamlIdentityProvider

pytestmark = pytest.mark.browser

SLUG = "region-siths-e2e"


def test_an_editor_signs_on_with_the_organisations_saml_provider_and_lands_in_the_cms(
    page: Page, base_url: str, saml_idp: SamlIdentityProvider
) -> None:
    editor = make_user("sso.editor@example.org", [Role.EDITOR], name="Erik")
    IdentityProvider.objects.create(
        organisation=first_unit().organisation,
        slug=SLUG,
        name="SITHS",
        purpose=IdentityProvider.Purpose.STAFF_SAML,
        saml_entity_id=saml_idp.entity_id,
        saml_sso_url=saml_idp.sso_url,
        saml_certificate=saml_idp.cert_pem,
        second_factor_levels=[SMARTCARD],
    )
    with urlopen(f"{base_url}/account/saml/{SLUG}/metadata/", timeout=30) as response:  # noqa: S310
        saml_idp.trust(response.read().decode())
    saml_idp.next = Login(email=editor.email)
    # Wagtail sends the anonymous visitor to Omtag's login, which keeps where they were going.
    page.goto(base_url + "/cms/")
    expect(page).to_have_url(re.compile(re.escape(base_url + "/account/login/")))
    screenshot(page, "staff-sso-login.png")
    page.get_by_role("button", name="Logga in med organisationens konto (SITHS)").click()
    expect(page).to_have_url(re.compile("^" + re.escape(base_url + "/cms/")))
    expect(page.locator("body")).not_to_contain_text("autentiseringsapp")
    assert AssuranceDevice.objects.get(user=editor).level == SMARTCARD
    assert len(saml_idp.requests) == 1  # the browser went through the provider
