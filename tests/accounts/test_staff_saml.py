"""Staff single sign-on by SAML 2.0, against a real identity provider (pysaml2 on 127.0.0.1,
tests/support/saml_idp.py): the SP-initiated login through the real redirect, the provider's
signed answer posted to allauth's ACS, and what Omtag does with it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from accounts.middleware import is_second_factor_verified
from accounts.models import AssuranceDevice, Role, RoleGrant, User
from audit.models import AuditEvent
from organisations.models import IdentityProvider, Organisation, Unit
from organisations.selectors import first_unit
from tests.helpers import assert_second_factor_owed, in_english, make_user, sso_onward
from tests.support.saml_idp import PASSWORD, SMARTCARD, Login, SamlIdentityProvider

pytestmark = pytest.mark.django_db

TWO_FACTOR = "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract"
# Inera's IdP (SITHS eID) asserts its level of assurance as the AuthnContextClassRef.
SAMBI_LOA3 = "http://id.sambi.se/loa/loa3"
SLUG = "region-siths"


def browser() -> Client:
    """python3-saml accepts only addresses with a dotted host (or an IP address) for the ACS,
    as a real deployment has; Django's test client says "testserver"."""
    return Client(HTTP_HOST="127.0.0.1")


def provider_for(
    idp: SamlIdentityProvider, organisation: Organisation | None = None, **fields: object
) -> IdentityProvider:
    """Omtag's side of the connection, and the identity provider trusting Omtag's metadata."""
    row = IdentityProvider.objects.create(
        organisation=organisation or first_unit().organisation,
        slug=fields.pop("slug", SLUG),
        name="SITHS",
        purpose=IdentityProvider.Purpose.STAFF_SAML,
        saml_entity_id=idp.entity_id,
        saml_sso_url=idp.sso_url,
        saml_certificate=idp.cert_pem,
        second_factor_levels=[SMARTCARD, TWO_FACTOR, SAMBI_LOA3],
        **fields,
    )
    metadata = browser().get(reverse("saml_metadata", args=[row.slug]))
    assert metadata.status_code == 200, metadata.content
    idp.trust(metadata.content.decode())
    return row


def sso(
    client: Client, idp: SamlIdentityProvider, login: Login, *, next_url: str = ""
) -> HttpResponse:
    """Press the login page's button, follow the redirect to the provider, post its answer to
    Omtag's ACS as the browser would, and return Omtag's answer to that."""
    idp.next = login
    start = client.post(reverse("saml_login", args=[SLUG]), {"next": next_url} if next_url else {})
    answer = idp.visit(sso_onward(start))
    assert urlsplit(answer.acs_url).path == reverse("saml_acs", args=[SLUG])
    acs = client.post(urlsplit(answer.acs_url).path, answer.fields)
    assert acs.status_code == 302
    return client.get(acs["Location"])


def failures() -> list[str]:
    return list(
        AuditEvent.objects.filter(action=AuditEvent.Action.EXTERNAL_LOGIN_FAILED).values_list(
            "detail", flat=True
        )
    )


@pytest.mark.parametrize("context", [SMARTCARD, SAMBI_LOA3])
def test_a_smartcard_login_lands_on_the_role_home_without_a_code(
    saml_idp: SamlIdentityProvider, therapist: User, context: str
) -> None:
    provider_for(saml_idp)
    client = browser()
    response = sso(client, saml_idp, Login(email="Therapist@Example.org", authn_context=context))
    assert response.status_code == 302
    assert response["Location"] == reverse("therapist:home")
    assert client.get(reverse("therapist:home")).status_code == 200
    device = AssuranceDevice.objects.get(user=therapist, provider=SLUG)
    assert (device.method, device.level) == ("sso", context)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXTERNAL_LOGIN)
    assert event.actor == therapist and event.subject == therapist
    assert f"provider={SLUG}" in event.detail and context in event.detail
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN, actor=therapist).exists()
    # allauth kept nothing of the provider's answer.
    assert not SocialAccount.objects.exists()
    # Omtag asked for the assertion by the usual SP-initiated request.
    (request,) = saml_idp.requests
    assert request.assertion_consumer_service_url.endswith(reverse("saml_acs", args=[SLUG]))


def test_a_password_login_at_the_provider_still_asks_for_the_authenticator(
    saml_idp: SamlIdentityProvider, therapist: User
) -> None:
    provider_for(saml_idp)
    client = browser()
    response = sso(client, saml_idp, Login(email=therapist.email, authn_context=PASSWORD))
    assert_second_factor_owed(client, response, reverse("therapist:home"))
    assert not AssuranceDevice.objects.exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXTERNAL_LOGIN)
    assert PASSWORD in event.detail and "second factor=-" in event.detail


def assert_refused(
    client: Client, response: HttpResponse, reason: str, status: int, *, logins_before: int = 0
) -> None:
    """Refused with a page that leads back to the password login, logged out, and audited."""
    assert response.status_code == status
    page = response.content.decode()
    # In Swedish, the interface's language, with the way back to the password login.
    assert "Inloggningen gick inte igenom" in page and "Tillbaka till inloggningen" in page
    assert f'href="{reverse("account_login")}"' in page
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home"))["Location"].startswith(reverse("account_login"))
    assert any(reason in detail for detail in failures()), failures()
    logins = AuditEvent.objects.filter(action=AuditEvent.Action.EXTERNAL_LOGIN).count()
    assert logins == logins_before
    assert not SocialAccount.objects.exists()


@pytest.mark.parametrize(
    ("login", "said"),
    [
        (Login(audience="https://elsewhere.example/sp/metadata"), "audience"),
        (Login(lifetime_minutes=-10), "expired"),
        # Neither the response nor the assertion signed.
        (Login(sign_assertion=False), "not signed"),
        # A signed response around an unsigned assertion.
        (Login(sign_assertion=False, sign_response=True), "assertion"),
        # Signed, but with a key that is not the organisation's.
        (Login(other_key=True), "Signature"),
        # Answering no request of Omtag's: an IdP-initiated login is not accepted.
        (Login(unsolicited=True), ""),
    ],
    ids=[
        "wrong-audience",
        "expired",
        "unsigned",
        "unsigned-assertion",
        "another-key",
        "unsolicited",
    ],
)
def test_an_answer_that_cannot_be_trusted_is_refused(
    saml_idp: SamlIdentityProvider, therapist: User, login: Login, said: str
) -> None:
    provider_for(saml_idp)
    client = browser()
    login.email = therapist.email
    response = sso(client, saml_idp, login)
    assert_refused(client, response, "rejected", 400)
    assert said.lower() in failures()[0].lower()
    assert not AssuranceDevice.objects.exists()


def test_a_replayed_assertion_is_refused_even_in_the_browser_that_used_it(
    saml_idp: SamlIdentityProvider, therapist: User
) -> None:
    provider_for(saml_idp)
    client = browser()
    saml_idp.next = Login(email=therapist.email)
    answer = saml_idp.visit(sso_onward(client.post(reverse("saml_login", args=[SLUG]))))
    acs = reverse("saml_acs", args=[SLUG])
    first = client.get(client.post(acs, answer.fields)["Location"])
    assert first["Location"] == reverse("therapist:home")
    client.post(reverse("account_logout"))
    for replayer in (client, browser()):
        response = replayer.get(replayer.post(acs, answer.fields)["Location"])
        assert_refused_again = response.status_code == 400
        assert assert_refused_again, response
        assert "_auth_user_id" not in replayer.session
    assert sum("assertion replayed" in d for d in failures()) == 2


def test_an_answer_to_a_login_started_in_another_browser_is_refused(
    saml_idp: SamlIdentityProvider, therapist: User
) -> None:
    """Login CSRF: someone posts their own (fresh, valid) answer into the victim's browser."""
    provider_for(saml_idp)
    saml_idp.next = Login(email=therapist.email)
    answer = saml_idp.visit(sso_onward(browser().post(reverse("saml_login", args=[SLUG]))))
    victim = browser()
    acs = victim.post(reverse("saml_acs", args=[SLUG]), answer.fields)
    response = victim.get(acs["Location"])
    assert_refused(victim, response, "unknown or old login state", 400)


def test_an_email_with_no_account_is_refused_and_nothing_is_created(
    saml_idp: SamlIdentityProvider, therapist: User
) -> None:
    provider_for(saml_idp)
    users, grants = User.objects.count(), RoleGrant.objects.count()
    client = browser()
    response = sso(client, saml_idp, Login(email="nobody@region.example"))
    assert_refused(client, response, "unknown person", 403)
    assert (User.objects.count(), RoleGrant.objects.count()) == (users, grants)


def test_a_participant_is_refused(saml_idp: SamlIdentityProvider, participant: User) -> None:
    provider_for(saml_idp)
    client = browser()
    response = sso(client, saml_idp, Login(email=participant.email))
    assert_refused(client, response, "participant account", 403)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXTERNAL_LOGIN_FAILED)
    assert event.subject == participant
    # The page says nothing about what kind of account it found.
    assert "participant" not in in_english(browser()).get(reverse("account_login")).content.decode()


def test_an_account_without_a_role_and_a_locked_account_are_refused(
    saml_idp: SamlIdentityProvider, therapist: User
) -> None:
    provider_for(saml_idp)
    nobody = make_user("norole@example.org", [])
    client = browser()
    assert_refused(client, sso(client, saml_idp, Login(email=nobody.email)), "no staff role", 403)
    User.objects.filter(pk=therapist.pk).update(is_active=False, locked_at="2026-01-01T00:00Z")
    client = browser()
    assert_refused(
        client, sso(client, saml_idp, Login(email=therapist.email)), "account locked", 403
    )


def test_staff_of_another_organisation_are_refused(saml_idp: SamlIdentityProvider) -> None:
    elsewhere = Organisation.objects.create(slug="elsewhere", name="Elsewhere")
    unit = Unit.objects.create(organisation=elsewhere, name="Elsewhere unit")
    stranger = make_user("stranger@elsewhere.example", [Role.THERAPIST], unit=unit)
    provider_for(saml_idp)  # the first organisation's provider
    client = browser()
    response = sso(client, saml_idp, Login(email=stranger.email))
    assert_refused(client, response, "no staff role in the organisation", 403)
    assert not RoleGrant.objects.filter(user=stranger, organisation=first_unit().organisation)


def test_staff_can_be_matched_by_employee_id(
    saml_idp: SamlIdentityProvider, therapist: User, other_therapist: User
) -> None:
    from tests.support.saml_idp import EMPLOYEE_ID

    provider_for(
        saml_idp, match_attribute=IdentityProvider.Match.EMPLOYEE_ID, match_claim=EMPLOYEE_ID
    )
    User.objects.filter(pk=therapist.pk).update(employee_id="SE2321000016-A1B2")
    client = browser()
    # The email address belongs to someone else: the employee id decides.
    response = sso(
        client,
        saml_idp,
        Login(email=other_therapist.email, employee_id="SE2321000016-A1B2"),
    )
    assert response["Location"] == reverse("therapist:home")
    assert int(client.session["_auth_user_id"]) == therapist.pk
    # An employee id nobody has is refused, whatever the email says.
    client = browser()
    response = sso(client, saml_idp, Login(email=therapist.email, employee_id="SE-unknown"))
    assert_refused(client, response, "unknown person", 403, logins_before=1)


def test_an_editor_lands_in_the_cms_and_only_with_the_second_factor(
    saml_idp: SamlIdentityProvider, editor: User
) -> None:
    provider_for(saml_idp)
    # Wagtail sends an anonymous visitor to Omtag's login, which keeps where they were going.
    anonymous = browser().get("/cms/")
    assert anonymous.status_code == 302
    client = browser()
    response = sso(client, saml_idp, Login(email=editor.email), next_url="/cms/")
    assert response["Location"] == "/cms/"
    assert client.get("/cms/").status_code == 200
    # Without a smartcard or several factors at the provider, the CMS stays shut.
    client = browser()
    response = sso(
        client, saml_idp, Login(email=editor.email, authn_context=PASSWORD), next_url="/cms/"
    )
    assert_second_factor_owed(client, response, "/cms/")
    assert not is_second_factor_verified(editor)


def test_the_login_page_offers_each_enabled_staff_provider(
    saml_idp: SamlIdentityProvider,
) -> None:
    provider_for(saml_idp)
    organisation = first_unit().organisation
    IdentityProvider.objects.create(
        organisation=organisation,
        slug="old-idp",
        name="Old IdP",
        purpose=IdentityProvider.Purpose.STAFF_SAML,
        enabled=False,
    )
    IdentityProvider.objects.create(
        organisation=organisation,
        slug="region-oidc",
        name="Region Entra",
        purpose=IdentityProvider.Purpose.STAFF_OIDC,
        issuer="http://127.0.0.1:9/oidc",
    )
    page = in_english(browser()).get(reverse("account_login") + "?next=/cms/")
    html = page.content.decode()
    assert "Log in with your organisation's account (SITHS)" in html
    assert "Log in with your organisation's account (Region Entra)" in html
    assert "Old IdP" not in html
    assert f'action="{reverse("saml_login", args=[SLUG])}"' in html
    assert f'action="{reverse("accounts:sso_login", args=["region-oidc"])}"' in html
    assert 'name="next" value="/cms/"' in html
    # Below the password form.
    assert html.index('name="password"') < html.index("SITHS")
    swedish = browser().get(reverse("account_login")).content.decode()
    assert "Logga in med organisationens konto (SITHS)" in swedish


def test_without_staff_providers_the_login_page_has_no_sso_section(db: None) -> None:
    html = in_english(browser()).get(reverse("account_login")).content.decode()
    assert "organisation's account" not in html


def test_the_login_starts_only_by_post_and_the_provider_cannot_log_anyone_out(
    saml_idp: SamlIdentityProvider, therapist: User
) -> None:
    provider_for(saml_idp)
    assert browser().get(reverse("saml_login", args=[SLUG])).status_code == 405
    client = browser()
    sso(client, saml_idp, Login(email=therapist.email))
    # A LogoutRequest in a link (single logout from the IdP's side) ends nothing.
    response = client.get(reverse("saml_sls", args=[SLUG]) + "?SAMLRequest=x")
    assert response.status_code == 404
    assert client.get(reverse("therapist:home")).status_code == 200
