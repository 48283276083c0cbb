"""The role × page matrix of /records/: every URL in the namespace, every member of the
cast, the answer each one gets. A URL added without a row fails `test_every_url_has_a_row`."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from tests.conftest import unverified_client, verified_client
from tests.modules.conftest import enroll, make_programme

pytestmark = pytest.mark.django_db

WHO = (
    "participant",
    "therapist",
    "other_therapist",
    "editor",
    "partner_worker",
    "admin",
    "anonymous",
    "unverified",
)
LOGIN = "login"
SECOND_FACTOR = "2fa"

# name: (method, POST data, who gets what; every other verified member of the cast: 404)
MATRIX: dict[str, tuple[str, dict[str, str], dict[str, int]]] = {
    "records:my_data": ("get", {}, {"participant": 200}),
    "records:my_data_download": ("post", {"format": "html"}, {"participant": 200}),
    "records:erasure_list": ("get", {}, {"admin": 200}),
    # An empty form: the admin gets the page back with the errors, nothing changes.
    "records:erasure_request": ("post", {}, {"admin": 200}),
}


def _patterns() -> dict[str, URLPattern]:
    _prefix, resolver = get_resolver().namespace_dict["records"]
    found: dict[str, URLPattern] = {}

    def walk(patterns: list[Any]) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns)
            else:
                found[f"records:{p.name}"] = p

    walk(resolver.url_patterns)
    return found


def test_every_url_has_a_row() -> None:
    assert sorted(_patterns()) == sorted(MATRIX)


def _client(who: str, cast: dict[str, User]) -> Client:
    if who == "anonymous":
        return Client()
    if who == "unverified":
        return unverified_client(cast["participant"])
    return verified_client(cast[who])


def _outcome(response: Any) -> int | str:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith(reverse("account_login")):
            return LOGIN
        if location.startswith(reverse("accounts:second_factor")):
            return SECOND_FACTOR
    return int(response.status_code)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_role_page_matrix(name: str, cast: dict[str, User]) -> None:
    enroll(cast["participant"], cast["therapist"], make_programme(modules=1, answers_per_module=1))
    method, data, allowed = MATRIX[name]
    params = list(_patterns()[name].pattern.converters)
    url = reverse(name, kwargs={p: cast["participant"].public_id for p in params})
    got = {}
    for who in WHO:
        client = _client(who, cast)
        send = client.post if method == "post" else client.get
        got[who] = _outcome(send(url, data))
    expected = {
        who: LOGIN
        if who == "anonymous"
        else SECOND_FACTOR
        if who == "unverified"
        else allowed.get(who, 404)
        for who in WHO
    }
    assert got == expected
    if name == "records:my_data_download":
        assert verified_client(cast["participant"]).get(url).status_code == 405
