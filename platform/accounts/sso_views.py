"""The page that starts a staff single sign-on by OpenID Connect (accounts.sso). A SAML login
starts at allauth's own /account/saml/<slug>/login/; both are a POST with the CSRF token from
the login page's buttons."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.http import require_POST

from . import sso


@login_not_required
@require_POST
def sso_login(request: HttpRequest, slug: str) -> HttpResponse:
    row = sso.provider_for(slug)
    if row is None or row.purpose != row.Purpose.STAFF_OIDC:
        raise Http404
    return sso.oidc_start(request, row, next_url=request.POST.get("next", ""))


@login_not_required
def single_logout_refused(request: HttpRequest, organization_slug: str) -> HttpResponseBase:
    """Where allauth's SAML single logout would be (its SP settings name the address)."""
    raise Http404
