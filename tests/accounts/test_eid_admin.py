"""The administrator's page for the organisation's identity providers: adding an e-ID broker
turns the e-ID button on; the client secret is never shown back; another organisation's
administrator, a therapist and an anonymous visitor get nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from audit.models import AuditEvent
from organisations.models import IdentityProvider, Organisation, ParticipantLogin, Regime, Unit
from organisations.selectors import first_unit
from tests.helpers import make_user, verified_client

pytestmark = pytest.mark.django_db

SECRET = "s3cret-never-shown-0123456789"


def _form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "BankID via broker",
        "slug": "broker",
        "purpose": IdentityProvider.Purpose.EID,
        "enabled": "on",
        "issuer": "https://broker.example.org/oidc",
        "client_id": "omtag",
        "client_secret": SECRET,
        "identity_claim": "https://id.oidc.se/claim/personalIdentityNumber",
        "accepted_levels": "http://id.elegnamnden.se/loa/1.0/loa3\n",
        "second_factor_levels": "",
        "match_attribute": IdentityProvider.Match.EMAIL,
        "match_claim": "",
        "saml_entity_id": "",
        "saml_sso_url": "",
        "saml_certificate": "",
    }
    data.update(overrides)
    return data


def test_the_administrator_adds_an_e_id_provider_and_its_secret_is_write_only(
    admin_user: User,
) -> None:
    organisation = first_unit().organisation
    organisation.participant_login = ParticipantLogin.EID_OR_PASSWORD
    organisation.save(update_fields=["participant_login"])
    client = verified_client(admin_user)
    settings_page = client.get(
        reverse("accounts:organisation_settings", args=[organisation.public_id])
    )
    url = reverse("accounts:identity_providers", args=[organisation.public_id])
    assert url in settings_page.content.decode()
    response = client.post(url, _form())
    assert response.status_code == 302
    row = IdentityProvider.objects.get(slug="broker")
    assert (row.organisation, row.client_secret) == (organisation, SECRET)
    assert row.accepted_levels == ["http://id.elegnamnden.se/loa/1.0/loa3"]
    page = client.get(response["Location"]).content.decode()
    assert "BankID via broker" in page and SECRET not in page
    # Saved again with the secret left empty: the stored one stays.
    client.post(response["Location"], _form(client_secret="", name="BankID"))
    row.refresh_from_db()
    assert (row.name, row.client_secret) == ("BankID", SECRET)
    details = list(
        AuditEvent.objects.filter(action="organisation_settings_changed").values_list(
            "detail", flat=True
        )
    )
    assert details and all(SECRET not in d for d in details)
    assert any("identity_provider=broker" in d and "name" in d for d in details)
    assert "Logga in med e-legitimation" in Client().get(reverse("account_login")).content.decode()


def test_only_the_organisations_administrator_reaches_its_providers(
    admin_user: User, therapist: User
) -> None:
    other = Organisation.objects.create(slug="norr", name="Norr", regime=Regime.SOCIAL_SERVICES)
    unit = Unit.objects.create(organisation=other, slug="n", name="N")
    other_admin = make_user("admin.norr@example.org", [Role.ADMIN], unit=unit)
    row = IdentityProvider.objects.create(
        organisation=first_unit().organisation,
        slug="ours",
        name="Ours",
        purpose=IdentityProvider.Purpose.EID,
        client_secret=SECRET,
    )
    organisation = first_unit().organisation
    urls = [
        reverse("accounts:identity_providers", args=[organisation.public_id]),
        reverse("accounts:identity_provider", args=[organisation.public_id, row.public_id]),
    ]
    for url in urls:
        assert verified_client(other_admin).get(url).status_code == 404
        assert verified_client(other_admin).post(url, _form(slug="x")).status_code == 404
        assert verified_client(therapist).get(url).status_code == 404
        assert Client().get(url).status_code == 302
    # Their own organisation's page does not reach our row by its id either.
    theirs = reverse("accounts:identity_provider", args=[other.public_id, row.public_id])
    assert verified_client(other_admin).get(theirs).status_code == 404
    row.refresh_from_db()
    assert row.name == "Ours"
    assert not IdentityProvider.objects.filter(slug="x").exists()
