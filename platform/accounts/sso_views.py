"""The pages that start a staff single sign-on (accounts.sso), by OpenID Connect or SAML 2.0:
each a POST with the CSRF token from the login page's buttons."""

from __future__ import annotations

from allauth.socialaccount.providers.saml import views as saml_views
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
    return sso.start_oidc_login(request, row, next_url=request.POST.get("next", ""))


@login_not_required
@require_POST
def saml_login(request: HttpRequest, organization_slug: str) -> HttpResponse:
    """allauth's SAML login (the AuthnRequest, its id kept as the login's state), and the
    way on to the identity provider through a page of ours."""
    return sso.saml_onward(request, saml_views.login(request, organization_slug=organization_slug))


@login_not_required
def single_logout_refused(request: HttpRequest, organization_slug: str) -> HttpResponseBase:
    """Where allauth's SAML single logout would be (its SP settings name the address)."""
    raise Http404
