"""allauth's socialaccount, fitted to Omtag: the apps come from the organisations' identity
providers (organisations.IdentityProvider), not from allauth's own SocialApp table or
settings, and what happens after a provider has proven who someone is is decided here, per
purpose, by the module that owns it (accounts.eid for participants' e-ID, accounts.sso for
staff single sign-on). A provider never creates an account or grants a role by itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.db.models import Q
from django.http import HttpRequest

from organisations.models import IdentityProvider

# allauth's provider for each purpose.
ALLAUTH_PROVIDER = {
    IdentityProvider.Purpose.EID: "openid_connect",
    IdentityProvider.Purpose.STAFF_OIDC: "openid_connect",
    IdentityProvider.Purpose.STAFF_SAML: "saml",
}

# Called from pre_social_login with (request, sociallogin, identity_provider); registered by
# the module that owns the purpose. It either lets the login go on (returns), or ends it with
# allauth's ImmediateHttpResponse carrying a page that says why.
LOGIN_COMPLETERS: dict[str, Callable[[HttpRequest, Any, IdentityProvider], None]] = {}

# Called from on_authentication_error (a provider's answer allauth did not accept: a bad
# signature, an expired assertion, a provider that did not answer) with (request,
# identity_provider, error=, exception=, extra_context=); registered like the completers. It
# may end the flow with ImmediateHttpResponse (its own page); otherwise allauth's page shows.
FAILURE_HANDLERS: dict[str, Callable[..., None]] = {}


def app_settings(row: IdentityProvider) -> dict[str, Any]:
    """The SocialApp.settings allauth's provider reads, from an identity provider's row."""
    if row.purpose == IdentityProvider.Purpose.STAFF_SAML:
        return {
            "idp": {
                "entity_id": row.saml_entity_id,
                "sso_url": row.saml_sso_url,
                "x509cert": row.saml_certificate,
            },
            "advanced": {
                "strict": True,
                # The assertion itself must carry the provider's signature: a signed
                # response around an unsigned assertion is not enough.
                "want_assertion_signed": True,
                # Matching may use the NameID alone.
                "want_attribute_statement": False,
                # Only answers to a login started here (SP-initiated), never unsolicited ones.
                "reject_idp_initiated_sso": True,
                "reject_deprecated_algorithm": True,
            },
        }
    return {"server_url": row.issuer}


def social_app(row: IdentityProvider) -> Any:
    """An unsaved allauth SocialApp for one identity provider (allauth accepts apps that live
    outside its table, as it does for apps in settings)."""
    from allauth.socialaccount.models import SocialApp

    saml = row.purpose == IdentityProvider.Purpose.STAFF_SAML
    return SocialApp(
        provider=ALLAUTH_PROVIDER[IdentityProvider.Purpose(row.purpose)],
        provider_id=row.slug,
        name=row.name,
        # allauth's SAML provider finds its app by client_id (the slug in its URLs).
        client_id=row.slug if saml else row.client_id,
        secret="" if saml else row.client_secret,
        settings=app_settings(row),
    )


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(
        self, request: HttpRequest | None, provider: str | None = None, client_id: str | None = None
    ) -> list[Any]:
        rows = IdentityProvider.objects.filter(enabled=True)
        if provider:
            purposes = [p for p, name in ALLAUTH_PROVIDER.items() if name == provider]
            rows = rows.filter(Q(slug=provider) | Q(purpose__in=purposes))
        apps = [social_app(row) for row in rows]
        if client_id:
            apps = [app for app in apps if app.client_id == client_id]
        return apps

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        # Accounts come from invitations; an identity provider only proves who someone is.
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        row = IdentityProvider.objects.filter(
            slug=sociallogin.account.provider, enabled=True
        ).first()
        completer = LOGIN_COMPLETERS.get(row.purpose) if row is not None else None
        if row is None or completer is None:
            from allauth.core.exceptions import ImmediateHttpResponse
            from django.http import HttpResponseForbidden

            raise ImmediateHttpResponse(HttpResponseForbidden())
        completer(request, sociallogin, row)

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        """Every failed round trip (state unknown or used, the provider's error or a cancel, a
        code it no longer accepts, an ID token for another client or from another issuer, the
        provider down; for SAML an assertion python3-saml did not accept) ends on our page,
        which says so and leads back to the password login; allauth's cancel page is not
        mounted. A purpose with a handler of its own (FAILURE_HANDLERS) says it its way."""
        from allauth.core.exceptions import ImmediateHttpResponse
        from django.shortcuts import render

        from audit.models import AuditEvent
        from audit.services import audit_log

        slug = str(getattr(getattr(provider, "app", None), "provider_id", "") or "")
        row = IdentityProvider.objects.filter(slug=slug).first() if slug else None
        handler = FAILURE_HANDLERS.get(row.purpose) if row is not None else None
        if row is not None and handler is not None:
            handler(request, row, error=error, exception=exception, extra_context=extra_context)
        audit_log(
            action=AuditEvent.Action.EXTERNAL_LOGIN_FAILED,
            request=request,
            actor_label=slug[:254],
            detail=f"provider={slug};reason={error or 'unknown'}"[:500],
        )
        raise ImmediateHttpResponse(
            render(request, "socialaccount/authentication_error.html", {}, status=401)
        )
