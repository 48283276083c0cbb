"""Walk the whole URL configuration: a session without a verified second factor reaches
nothing behind login, and an anonymous visitor reaches nothing but the public pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from accounts.middleware import UNVERIFIED_ALLOWED
from tests.helpers import make_user, sample_path

# Reachable without logging in at all.
PUBLIC = {
    "account_login",
    "account_inactive",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "accounts:invitation_accept",
    "accounts:eid_login",
    "accounts:eid_invitation",
    "openid_connect_callback",
    # Staff single sign-on (accounts.sso): SAML's login, ACS, metadata (and the refused
    # single logout); OpenID Connect's start.
    "saml_login",
    "saml_acs",
    "saml_finish_acs",
    "saml_metadata",
    "saml_sls",
    "accounts:sso_login",
    "set_language",
    "healthz",
    "readyz",
    "metrics",
    "intake:ask",
    "intake:ask_organisation",
    "intake:ask_sent",
}


def walk(patterns: list, prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + sample_path(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + sample_path(entry.pattern)


def all_paths() -> list[tuple[str, str]]:
    found = {}
    for path in walk(get_resolver().url_patterns):
        try:
            match = resolve(path)
        except Resolver404:
            continue
        found[path] = match.view_name
    return sorted(found.items())


def test_the_walk_covers_the_application_and_the_cms():
    paths = all_paths()
    names = {name for _, name in paths}
    assert len(paths) > 150, "the walk should reach Wagtail's admin too"
    assert {"home", "accounts:admin_home", "modules:home", "wagtailadmin_home"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_unverified_session_reaches_nothing_behind_login(method):
    user = make_user("staff@example.org", ["admin", "editor", "therapist", "partner_worker"])
    client = Client()
    client.force_login(user)  # password done, second factor not
    leaks = []
    for path, name in all_paths():
        if name in UNVERIFIED_ALLOWED:
            continue
        response = getattr(client, method)(path)
        location = response.get("Location", "")
        if not (response.status_code == 302 and location.startswith("/account/2fa/")):
            leaks.append((path, name, response.status_code, location))
    assert leaks == []


@pytest.mark.django_db
def test_anonymous_visitor_reaches_only_public_pages():
    client = Client()
    leaks = []
    for path, name in all_paths():
        if name in PUBLIC:
            continue
        response = client.get(path)
        if response.status_code == 302 and response["Location"].startswith("/cms/login/"):
            response = client.get(response["Location"])  # Wagtail's redirect, onwards to ours
        location = response.get("Location", "")
        if not (response.status_code == 302 and location.startswith("/account/login/")):
            leaks.append((path, name, response.status_code, location))
    assert leaks == []


@pytest.mark.django_db
def test_unverified_allowlist_is_only_login_logout_and_second_factor_pages():
    # Guard against someone widening the allowlist without thinking: each entry is named.
    assert (
        PUBLIC
        | {
            "account_logout",
            "accounts:second_factor",
            "accounts:second_factor_setup",
        }
        == UNVERIFIED_ALLOWED
    )
