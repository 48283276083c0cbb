"""Attacks on the e-ID round trip, tried for real against the OpenID Connect provider: a
replayed state, a replayed or foreign nonce, a used or expired code, a code issued to another
service, another issuer, the provider down. Each ends on our page, with nobody logged in."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.test import Client
from django.urls import reverse

from accounts.identity import identity_hash
from accounts.models import User
from audit.models import AuditEvent
from organisations.models import IdentityProvider
from tests.accounts.conftest import CALLBACK, SLUG
from tests.accounts.test_eid_login import provider_redirect
from tests.helpers import PASSWORD, in_english
from tests.oidc import NUMBERS, OTHER_CLIENT_ID, free_port, local_path, oidc_provider, pick_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def bound(eid_row: IdentityProvider, participant: User) -> User:
    User.objects.filter(pk=participant.pk).update(identity_hash=identity_hash(NUMBERS["anna"]))
    return participant


def start(client: Client) -> str:
    return provider_redirect(client, reverse("accounts:eid_login", args=[SLUG]))


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def refused(response: object, client: Client) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status in (401, 403, 503), status
    assert reverse("account_login") in response.content.decode()  # type: ignore[attr-defined]
    assert not logged_in(client)


def test_a_replayed_callback_is_refused(bound: User) -> None:
    client = Client()
    back = local_path(pick_person(start(client), "anna"))
    assert client.get(back)["Location"] == reverse("home")
    # Someone who saw the address (history, a log) tries it in their own browser...
    thief = Client()
    refused(thief.get(back), thief)
    # ...and the person's own browser cannot use it twice either.
    client.post(reverse("account_logout"))
    refused(client.get(back), client)


def test_a_state_from_another_browser_is_refused(bound: User) -> None:
    victim, attacker = Client(), Client()
    start(victim)  # the victim's state exists, in the victim's session only
    back = local_path(pick_person(start(attacker), "anna"))
    refused(victim.get(back), victim)


def test_the_answer_to_an_earlier_request_is_refused_by_its_nonce(bound: User) -> None:
    client = Client()
    first = start(client)
    start(client)  # a second attempt replaces the nonce the session expects
    # allauth still knows the first state, but the ID token carries the first nonce.
    response = client.get(local_path(pick_person(first, "anna")))
    refused(response, client)
    assert "reason=nonce" in AuditEvent.objects.get(action="external_login_failed").detail


def test_a_used_code_is_refused_with_a_fresh_state(bound: User) -> None:
    client = Client()
    back = pick_person(start(client), "anna")
    assert client.get(local_path(back))["Location"] == reverse("home")
    code = parse_qs(urlsplit(back).query)["code"][0]
    other = Client()
    state = parse_qs(urlsplit(start(other)).query)["state"][0]
    response = other.get(f"{urlsplit(CALLBACK).path}?{urlencode({'code': code, 'state': state})}")
    refused(response, other)


def test_a_code_issued_to_another_service_is_refused(bound: User) -> None:
    client = Client()
    ours = urlsplit(start(client))
    params = {k: v[0] for k, v in parse_qs(ours.query).items()}
    # The same person, at the same provider, logging in to another service.
    theirs = {**params, "client_id": OTHER_CLIENT_ID, "state": "theirs", "nonce": "theirs"}
    back = pick_person(f"{ours.scheme}://{ours.netloc}{ours.path}?{urlencode(theirs)}", "anna")
    code = parse_qs(urlsplit(back).query)["code"][0]
    response = client.get(
        f"{urlsplit(CALLBACK).path}?{urlencode({'code': code, 'state': params['state']})}"
    )
    refused(response, client)


def test_an_expired_code_is_refused(bound: User, eid_row: IdentityProvider, tmp_path: Path) -> None:
    with oidc_provider([CALLBACK], tmp_path, code_ttl=1) as short:
        eid_row.issuer = short.issuer
        eid_row.save(update_fields=["issuer"])
        client = Client()
        back = pick_person(start(client), "anna")
        time.sleep(2.5)
        refused(client.get(local_path(back)), client)


def test_a_discovery_document_naming_another_issuer_is_refused(
    bound: User, eid_row: IdentityProvider
) -> None:
    # The same provider reached by another name: its discovery document (and its ID tokens)
    # name 127.0.0.1, not the issuer configured.
    eid_row.issuer = eid_row.issuer.replace("127.0.0.1", "localhost")
    eid_row.save(update_fields=["issuer"])
    client = Client()
    response = client.get(local_path(pick_person(start(client), "anna")))
    refused(response, client)
    assert "reason=issuer" in AuditEvent.objects.get(action="external_login_failed").detail


def test_the_provider_down_gives_a_clear_message_and_the_password_still_works(
    bound: User, eid_row: IdentityProvider, english: None
) -> None:
    eid_row.issuer = f"http://127.0.0.1:{free_port()}"
    eid_row.save(update_fields=["issuer"])
    client = in_english(Client())
    response = client.post(reverse("accounts:eid_login", args=[SLUG]))
    assert response.status_code == 503
    assert "The e-ID service cannot be reached right now" in response.content.decode()
    assert not logged_in(client)
    client.post(reverse("account_login"), {"login": bound.email, "password": PASSWORD})
    assert logged_in(client)


def test_the_provider_going_down_during_the_login_gives_our_page(
    bound: User, eid_row: IdentityProvider, tmp_path: Path
) -> None:
    with oidc_provider([CALLBACK], tmp_path) as brief:
        eid_row.issuer = brief.issuer
        eid_row.save(update_fields=["issuer"])
        client = Client()
        back = pick_person(start(client), "anna")
    with pytest.raises(requests.ConnectionError):
        requests.get(brief.issuer, timeout=2)
    refused(client.get(local_path(back)), client)


def test_a_cancel_at_the_provider_ends_on_our_page(bound: User) -> None:
    client = Client()
    session = requests.Session()
    page = session.get(start(client), timeout=10)
    abort = page.url.rstrip("/") + "/abort"
    back = session.post(abort, allow_redirects=False, timeout=10)
    while not back.headers["Location"].startswith("http://testserver/"):
        back = session.get(back.headers["Location"], allow_redirects=False, timeout=10)
    refused(client.get(local_path(back.headers["Location"])), client)
