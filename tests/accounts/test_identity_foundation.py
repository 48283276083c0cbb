"""The pieces e-ID and single sign-on stand on: identity numbers checked and kept only as a
keyed hash, and an identity provider's strong authentication counting as the second factor."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import translation

from accounts import services
from accounts.identity import identity_hash, normalise_identity_number
from accounts.middleware import is_second_factor_verified
from accounts.models import AssuranceDevice, User
from tests.helpers import unverified_client


@pytest.mark.parametrize(
    ("written", "twelve"),
    [
        ("19900101-0017", "199001010017"),
        ("900101-0017", "199001010017"),
        ("199001010017", "199001010017"),
        (" 19900101 0017 ", "199001010017"),
        # A coordination number: the day plus 60.
        ("900161-0014", "199001610014"),
    ],
)
def test_identity_numbers_in_every_usual_form_are_one_number(written: str, twelve: str) -> None:
    assert normalise_identity_number(written) == twelve


@pytest.mark.parametrize(
    "bad",
    ["19900101-0018", "19901301-0017", "19900132-0010", "abc", "", "1990010100171", "<script>"],
)
def test_a_wrong_check_digit_date_or_form_is_refused_with_a_message(bad: str) -> None:
    with pytest.raises(ValidationError) as error:
        normalise_identity_number(bad)
    # The message is lazy: it is worded in the language of the page that shows it.
    assert "ÅÅÅÅMMDD-NNNN" in str(error.value.messages[0])  # Swedish, the default
    with translation.override("en"):
        assert "YYYYMMDD-NNNN" in str(error.value.messages[0])


def test_the_hash_is_keyed_and_the_same_for_every_written_form() -> None:
    one = identity_hash("19900101-0017")
    assert one == identity_hash("900101-0017")
    assert "199001010017" not in one and len(one) == 64
    with override_settings(IDENTITY_HASH_KEY="another key"):
        assert identity_hash("19900101-0017") != one


@pytest.mark.django_db
def test_a_strong_external_login_verifies_the_session_like_a_code(participant: User) -> None:
    client = unverified_client(participant)
    assert client.get(reverse("modules:home")).status_code == 302  # the second factor is owed
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = participant
    key_before = request.session.session_key
    services.session_verify_external(
        request=request, user=participant, provider="eid-demo", method="eid", level="loa3"
    )
    request.session.save()
    assert is_second_factor_verified(request.user)
    assert request.session.session_key != key_before  # a key learnt before is worth nothing
    client.cookies[settings.SESSION_COOKIE_NAME] = request.session.session_key
    assert client.get(reverse("modules:home")).status_code == 200
    device = AssuranceDevice.objects.get(user=participant, provider="eid-demo")
    assert (device.method, device.level) == ("eid", "loa3")
    assert not device.verify_token("123456")  # it takes no codes


@pytest.mark.django_db
def test_allauth_sees_the_organisations_enabled_providers_and_nothing_else() -> None:
    from accounts.social import SocialAccountAdapter
    from organisations.models import IdentityProvider, Organisation

    organisation = Organisation.objects.first()
    assert organisation is not None
    IdentityProvider.objects.create(
        organisation=organisation,
        slug="eid-broker",
        name="e-legitimation",
        purpose=IdentityProvider.Purpose.EID,
        issuer="http://127.0.0.1:9/oidc",
        client_id="omtag",
        client_secret="s3cret",
    )
    IdentityProvider.objects.create(
        organisation=organisation,
        slug="old-broker",
        name="Old",
        purpose=IdentityProvider.Purpose.EID,
        enabled=False,
    )
    IdentityProvider.objects.create(
        organisation=organisation,
        slug="region-saml",
        name="Regionens inloggning",
        purpose=IdentityProvider.Purpose.STAFF_SAML,
        saml_entity_id="http://127.0.0.1:9/idp",
    )
    adapter = SocialAccountAdapter()
    (oidc,) = adapter.list_apps(None, provider="openid_connect")
    assert (oidc.provider_id, oidc.client_id, oidc.settings["server_url"]) == (
        "eid-broker",
        "omtag",
        "http://127.0.0.1:9/oidc",
    )
    (saml,) = adapter.list_apps(None, provider="saml", client_id="region-saml")
    assert saml.settings["idp"]["entity_id"] == "http://127.0.0.1:9/idp"
    assert [a.provider_id for a in adapter.list_apps(None, provider="old-broker")] == []
    assert not adapter.is_open_for_signup(RequestFactory().get("/"), None)
