"""The login page's buttons for staff single sign-on (account/_staff_sso_login.html)."""

from __future__ import annotations

from django import template
from django.urls import reverse

from organisations.models import IdentityProvider

register = template.Library()


@register.simple_tag
def staff_sso_buttons() -> list[dict[str, str]]:
    """One entry per enabled staff identity provider: the name on its button and the address
    its form posts to (allauth's SAML or OpenID Connect login)."""
    rows = IdentityProvider.objects.filter(
        enabled=True,
        purpose__in=[IdentityProvider.Purpose.STAFF_SAML, IdentityProvider.Purpose.STAFF_OIDC],
    ).select_related("organisation")
    return [
        {
            "name": row.name,
            "organisation": row.organisation.name,
            "action": reverse("saml_login", kwargs={"organization_slug": row.slug})
            if row.purpose == IdentityProvider.Purpose.STAFF_SAML
            else reverse("accounts:sso_login", kwargs={"slug": row.slug}),
        }
        for row in rows
    ]
