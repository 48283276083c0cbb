"""Staff single sign-on by OpenID Connect, against a real provider (npm's oidc-provider run with
Node, tests/oidc.py) standing in for an organisation's staff identity provider: people with
verified email addresses, and the amr/acr the person's login at the provider gives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from accounts.models import AssuranceDevice, User
from audit.models import AuditEvent
from organisations.models import IdentityProvider
from organisations.selectors import first_unit
from tests.helpers import PASSWORD, assert_second_factor_owed, in_english, sso_onward
from tests.oidc import (
    CLIENT_ID,
    CLIENT_SECRET,
    LOA2,
    LOA3,
    Provider,
    free_port,
    local_path,
    oidc_provider,
    pick_person,
)

pytestmark = pytest.mark.django_db

SLUG = "region-oidc"
CALLBACK = f"http://testserver/account/oidc/{SLUG}/login/callback/"
STAFF = [
    {"id": "tove", "name": "Tove Terapeut", "personnummer": "199001012385"},
    {"id": "erik", "name": "Erik Redaktör", "personnummer": "198512242390"},
    {"id": "alex", "name": "Alex Deltagare", "personnummer": "197010102395"},
    {"id": "okand", "name": "Okänd Person", "personnummer": "199001612382"},
]
EMAILS = {
    "tove": "Therapist@Example.org",
    "erik": "editor@example.org",
    "alex": "participant@example.org",
    "okand": "nobody@region.example",
}


@pytest.fixture(scope="module")
def staff_idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    people = [{**person, "email": EMAILS[person["id"]]} for person in STAFF]
    with oidc_provider(
        [CALLBACK], Path(tmp_path_factory.mktemp("staff-oidc")), people=people
    ) as provider:
        yield provider


def staff_row(provider: Provider | str, **fields: object) -> IdentityProvider:
    """The first organisation's staff provider: `provider`, or an issuer address."""
    return IdentityProvider.objects.create(
        organisation=first_unit().organisation,
        slug=SLUG,
        name="Regionens inloggning",
        purpose=IdentityProvider.Purpose.STAFF_OIDC,
        issuer=provider if isinstance(provider, str) else provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        second_factor_levels=fields.pop("second_factor_levels", ["mfa", "hwk", "sc"]),
        **fields,
    )


def sso(
    client: Client, person: str, *, amr: str = "", level: str = "loa3", next_url: str = ""
) -> HttpResponse:
    """Press the login page's button, log in as `person` at the provider, and come back."""
    start = client.post(
        reverse("accounts:sso_login", args=[SLUG]), {"next": next_url} if next_url else {}
    )
    back = pick_person(sso_onward(start), person, level=level, amr=amr)
    response = client.get(local_path(back))
    assert isinstance(response, HttpResponse)
    return response


@pytest.mark.parametrize("amr", ["mfa", "sc", "hwk,pin"])
def test_a_login_with_several_factors_or_a_smartcard_asks_for_no_code(
    staff_idp: Provider, therapist: User, amr: str
) -> None:
    staff_row(staff_idp)
    client = Client()
    response = sso(client, "tove", amr=amr)
    assert response.status_code == 302, response.content[:500]
    assert response["Location"] == reverse("therapist:home")
    assert client.get(reverse("therapist:home")).status_code == 200
    device = AssuranceDevice.objects.get(user=therapist)
    assert (device.method, device.level) == ("sso", amr.split(",")[0])
    detail = AuditEvent.objects.get(action=AuditEvent.Action.EXTERNAL_LOGIN, actor=therapist).detail
    assert f"provider={SLUG}" in detail and "method=sso" in detail
    assert not SocialAccount.objects.exists()


def test_an_acr_the_organisation_names_counts_and_a_lower_one_does_not(
    staff_idp: Provider, therapist: User
) -> None:
    staff_row(staff_idp, second_factor_levels=[LOA3])
    client = Client()
    assert sso(client, "tove", level="loa3")["Location"] == reverse("therapist:home")
    assert AssuranceDevice.objects.get(user=therapist).level == LOA3
    client = Client()
    response = sso(client, "tove", level="loa2")
    assert urlsplit(response["Location"]).path == reverse("accounts:second_factor")
    details = AuditEvent.objects.filter(action="external_login").order_by("pk")
    assert LOA2 in details.values_list("detail", flat=True)[1]


def test_a_password_only_login_at_the_provider_still_asks_for_the_authenticator(
    staff_idp: Provider, therapist: User
) -> None:
    staff_row(staff_idp)
    client = Client()
    response = sso(client, "tove", amr="pwd")
    assert_second_factor_owed(client, response, reverse("therapist:home"))
    assert not AssuranceDevice.objects.exists()


def test_an_editor_reaches_the_cms_through_staff_sign_on(staff_idp: Provider, editor: User) -> None:
    staff_row(staff_idp)
    client = Client()
    assert sso(client, "erik", amr="mfa", next_url="/cms/")["Location"] == "/cms/"
    assert client.get("/cms/").status_code == 200
    client = Client()
    assert_second_factor_owed(client, sso(client, "erik", amr="pwd", next_url="/cms/"), "/cms/")


@pytest.mark.parametrize(
    ("person", "reason"),
    [("alex", "participant account"), ("okand", "unknown person")],
)
def test_a_participant_or_an_unknown_person_is_refused(
    staff_idp: Provider, participant: User, therapist: User, person: str, reason: str
) -> None:
    staff_row(staff_idp)
    users = User.objects.count()
    client = Client()
    response = sso(client, person, amr="mfa")
    assert response.status_code == 403
    assert reverse("account_login") in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert User.objects.count() == users
    failure = AuditEvent.objects.get(action=AuditEvent.Action.EXTERNAL_LOGIN_FAILED)
    assert reason in failure.detail
    assert not SocialAccount.objects.exists()


def test_a_callback_brought_into_another_browser_is_refused(
    staff_idp: Provider, therapist: User
) -> None:
    staff_row(staff_idp)
    start = Client().post(reverse("accounts:sso_login", args=[SLUG]))
    back = pick_person(sso_onward(start), "tove", amr="mfa")
    victim = Client()
    response = victim.get(local_path(back))
    assert response.status_code in (400, 401)
    assert "_auth_user_id" not in victim.session
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXTERNAL_LOGIN_FAILED).exists()


def test_a_provider_that_does_not_answer_gives_a_clear_page_and_the_password_path_works(
    therapist: User,
) -> None:
    staff_row(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    client = in_english(Client())
    response = client.post(reverse("accounts:sso_login", args=[SLUG]))
    assert response.status_code == 503
    page = response.content.decode()
    assert "cannot be reached right now" in page
    assert reverse("account_login") in page
    failure = AuditEvent.objects.get(action=AuditEvent.Action.EXTERNAL_LOGIN_FAILED)
    assert "provider unreachable" in failure.detail
    # The password path still works.
    login = client.post(reverse("account_login"), {"login": therapist.email, "password": PASSWORD})
    assert login.status_code == 302
    assert int(client.session["_auth_user_id"]) == therapist.pk
    swedish = Client().post(reverse("accounts:sso_login", args=[SLUG])).content.decode()
    assert "går inte att nå just nu" in swedish


def test_only_a_post_to_an_enabled_staff_provider_starts_a_login(
    staff_idp: Provider, eid_row: IdentityProvider
) -> None:
    row = staff_row(staff_idp)
    assert Client().get(reverse("accounts:sso_login", args=[SLUG])).status_code == 405
    # An e-ID broker is not a staff provider.
    assert Client().post(reverse("accounts:sso_login", args=[eid_row.slug])).status_code == 404
    row.enabled = False
    row.save(update_fields=["enabled"])
    assert Client().post(reverse("accounts:sso_login", args=[SLUG])).status_code == 404
