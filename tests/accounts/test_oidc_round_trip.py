"""The one OpenID Connect round trip that e-ID (accounts.eid) and staff sign-on
(accounts.sso) share (accounts.social): the nonce kept in the session at the start, checked
with the issuer at the return, used once; and the one page on the way to a provider. The
journeys through a real provider are in test_eid_login.py and test_staff_oidc.py."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse, HttpResponseRedirect
from django.test import RequestFactory

from accounts import eid, sso
from accounts.social import RoundTripMismatch, oidc_check, onward
from organisations.models import IdentityProvider

pytestmark = pytest.mark.django_db

ISSUER = "https://idp.example.test/oidc"
KEY = "omtag_test_flow"


def _request(flow: dict[str, Any] | None = None) -> Any:
    request = RequestFactory().get("/accounts/oidc/callback/")
    request.session = SessionStore()
    if flow is not None:
        request.session[KEY] = flow
    return request


def _login(**claims: Any) -> Any:
    return SimpleNamespace(account=SimpleNamespace(extra_data={"id_token": claims}))


ROW = IdentityProvider(slug="region-idp", issuer=ISSUER)


def test_the_nonce_kept_at_the_start_and_the_issuer_let_the_login_on_once():
    request = _request({"provider": "region-idp", "nonce": "n-123", "reauth": True})
    flow, id_token = oidc_check(
        request, _login(nonce="n-123", iss=ISSUER + "/", sub="x"), ROW, session_key=KEY
    )
    assert flow["reauth"] is True and id_token["sub"] == "x"
    # Used once: the same answer again finds no login started.
    with pytest.raises(RoundTripMismatch) as again:
        oidc_check(request, _login(nonce="n-123", iss=ISSUER), ROW, session_key=KEY)
    assert again.value.reason == "nonce"


@pytest.mark.parametrize(
    "flow, claims, reason",
    [
        (None, {"nonce": "n-123", "iss": ISSUER}, "nonce"),  # not started in this browser
        ({"provider": "region-idp", "nonce": "n-123"}, {"iss": ISSUER}, "nonce"),  # none sent
        ({"provider": "region-idp", "nonce": "n-123"}, {"nonce": "n-999", "iss": ISSUER}, "nonce"),
        ({"provider": "other-idp", "nonce": "n-123"}, {"nonce": "n-123", "iss": ISSUER}, "nonce"),
        (
            {"provider": "region-idp", "nonce": "n-123"},
            {"nonce": "n-123", "iss": "https://evil.example.test/oidc"},
            "issuer",
        ),
    ],
)
def test_an_id_token_for_another_login_or_from_another_issuer_is_refused(flow, claims, reason):
    request = _request(flow)
    with pytest.raises(RoundTripMismatch) as refused:
        oidc_check(request, _login(**claims), ROW, session_key=KEY)
    assert refused.value.reason == reason
    assert KEY not in request.session  # a failed answer uses up the login too


def test_e_id_and_staff_sign_on_move_on_through_the_same_page():
    request = _request()
    target = "https://idp.example.test/authorize?state=s"
    pages = [
        onward(request, HttpResponseRedirect(target), page) for page in (eid.ONWARD, sso.ONWARD)
    ]
    for page, link_id in zip(pages, ("eid-continue", "sso-continue"), strict=True):
        text = page.content.decode()
        assert page.status_code == 200
        assert f'<meta http-equiv="refresh" content="0;url={target}">' in text
        assert f'id="{link_id}" href="{target}"' in text
    # Anything but a redirect (allauth's own error page) is answered as it is.
    error = HttpResponse("allauth's error", status=400)
    assert onward(request, error, eid.ONWARD) is error
