"""The role × page matrix of /records/: every URL in the namespace, every member of the
cast, the answer each one gets. A URL added without a row fails `test_every_url_has_a_row`."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User
from tests.helpers import (
    LOGIN,
    SECOND_FACTOR,
    client_as,
    enroll,
    make_programme,
    outcome_of,
    verified_client,
)

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


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_role_page_matrix(name: str, cast: dict[str, User]) -> None:
    enroll(cast["participant"], cast["therapist"], make_programme(modules=1, answers_per_module=1))
    method, data, allowed = MATRIX[name]
    params = list(_patterns()[name].pattern.converters)
    url = reverse(name, kwargs={p: cast["participant"].public_id for p in params})
    got = {}
    for who in WHO:
        client = client_as(who, cast, unverified_as="participant")
        send = client.post if method == "post" else client.get
        got[who] = outcome_of(send(url, data))
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
