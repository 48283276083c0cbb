"""The pages that start an e-ID login (accounts.eid): from the login page, from an
invitation, and to confirm who one is before a security change. Each is a POST with the CSRF
token; the provider's answer comes back to allauth's callback, which hands it to accounts.eid."""

from __future__ import annotations

import requests
from allauth.socialaccount.providers.openid_connect import views as oidc_views
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from . import eid, services
from .views import _safe_next, request_user


@login_not_required
@require_POST
def eid_login(request: HttpRequest, slug: str) -> HttpResponse:
    row = eid.provider_for(slug)
    if row is None or not eid.allows_eid(row.organisation):
        raise Http404
    return eid.eid_start(request, row)


@login_not_required
@require_POST
def eid_invitation(request: HttpRequest, token: str, slug: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None or not invitation.is_usable:
        return render(request, "accounts/invitation_invalid.html", status=410)
    row = eid.provider_for(slug)
    if row is None or row.organisation_id != invitation.organisation_id:
        raise Http404
    if not eid.allows_eid(row.organisation):
        raise Http404
    if request.user.is_authenticated:
        logout(request)
    return eid.eid_start(request, row, invitation_token=token)


@require_POST
def eid_reauthenticate(request: HttpRequest, slug: str) -> HttpResponse:
    user = request_user(request)
    row = eid.provider_for(slug)
    if row is None or not user.identity_hash or row not in eid.providers_for_user(user):
        raise Http404
    return eid.eid_start(
        request, row, reauth_next=_safe_next(request, reverse("accounts:security"))
    )


@login_not_required
def oidc_callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    """allauth's OpenID Connect callback; a provider that stopped answering between the
    redirect and the callback gives our page, not a server error."""
    try:
        return oidc_views.callback(request, provider_id)
    except requests.RequestException:
        return eid.unreachable_page(request)
