"""Staff single sign-on by SAML 2.0, against a real identity provider (pysaml2 on 127.0.0.1,
tests/support/saml_idp.py): the SP-initiated login through the real redirect, the provider's
signed answer posted to allauth's ACS, and what Omtag does with it."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

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
from tests.helpers import in_english, make_user
from tests.support.saml_idp import PASSWORD, SMARTCARD, Login, SamlIdentityProvider

pytestmark = pytest.mark.django_db

MULTIFACTOR = "urn:oasis:names:tc:SAML:2.0:ac:classes:MultiFactor"
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
        second_factor_levels=[SMARTCARD, MULTIFACTOR],
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
    start = client.post(
        reverse("saml_login", args=[SLUG]), {"next": next_url} if next_url else {}
    )
    assert start.status_code == 302, start.content
    answer = idp.visit(start["Location"])
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


def test_a_smartcard_login_lands_on_the_role_home_without_a_code(
    saml_idp: SamlIdentityProvider, therapist: User
) -> None:
    provider_for(saml_idp)
    client = browser()
    response = sso(client, saml_idp, Login(email="Therapist@Example.org"))
    assert response.status_code == 302
    assert response["Location"] == reverse("therapist:home")
    assert client.get(reverse("therapist:home")).status_code == 200
    device = AssuranceDevice.objects.get(user=therapist, provider=SLUG)
    assert (device.method, device.level) == ("sso", SMARTCARD)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXTERNAL_LOGIN)
    assert event.actor == therapist and event.subject == therapist
    assert f"provider={SLUG}" in event.detail and SMARTCARD in event.detail
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
    location = urlsplit(response["Location"])
    assert location.path == reverse("accounts:second_factor")
    assert parse_qs(location.query)["next"] == [reverse("therapist:home")]
    # Logged in, but not past the second factor: every page still sends them to it.
    blocked = client.get(reverse("therapist:home"))
    assert urlsplit(blocked["Location"]).path == reverse("accounts:second_factor")
    assert not AssuranceDevice.objects.exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXTERNAL_LOGIN)
    assert PASSWORD in event.detail and "second factor=-" in event.detail
